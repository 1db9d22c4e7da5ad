/**
 * The demo's flow, step by step as a person would live it: the issue is filed, an engineer with
 * write access labels it `agent` (GitHub sends the signed `issues.labeled` webhook to the app),
 * the task runs in the background, and its result waits on GitHub as a draft pull request.
 */
import { follow } from '../../cli/follow.js';
import { createProgressDisplay } from '../../cli/progress-display.js';
import { sleep } from '../../core/sleep.js';
import type { Task } from '../../core/task.js';
import { payloadFor, type IssueRecord } from '../../test/support/fake-github/index.js';
import { newestPullRequest, readPullRequest, type PullRequestView } from './pull-request.js';
import { printBanner, printOutcome, printProblem, type Printer } from './report.js';
import { DEMO_ISSUE, DEMO_REPO_NAME, ENGINEER, LABEL, REPORTER } from './story.js';
import type { World } from './world.js';

export interface DemoOutcome {
  issue: IssueRecord;
  task: Task;
  pullRequest: PullRequestView | undefined;
  /** Whether the whole flow did what it shows: task succeeded, draft PR, check run concluded. */
  ok: boolean;
}

const TASK_APPEARS_MS = 20_000;
const CHECK_RUN_CONCLUDES_MS = 20_000;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** `signal` aborts the flow (Ctrl-C): the task is left to the server's shutdown. */
export async function runDemo(world: World, out: Printer, signal?: AbortSignal): Promise<DemoOutcome> {
  const { github, server } = world;
  printBanner(out, world);

  const issue = github.addIssue(DEMO_REPO_NAME, { ...DEMO_ISSUE, user: REPORTER });
  out.step(`${REPORTER} opens issue #${issue.number}: ${issue.title}`);
  issue.labels.push(LABEL); // GitHub labels the issue, then tells the app
  const payload = await payloadFor(github, DEMO_REPO_NAME, 'issues', 'labeled', {
    issue: { number: issue.number },
    label: { name: LABEL },
    sender: { login: ENGINEER },
  });
  const answer = await server.deliver('issues', payload);
  out.step(
    `${ENGINEER} (write access) labels it \`${LABEL}\`: GitHub sends the signed webhook, the app answers ${answer.status}`,
  );
  if (answer.status >= 300)
    throw new Error(`demo: the app refused the webhook: ${answer.status} ${answer.body}`);

  const { store } = await server.store();
  const queued = await until('the task to be recorded', TASK_APPEARS_MS, async () =>
    (await store.listRecent(20)).find((t) => t.target.kind === 'issue' && t.target.number === issue.number),
  );
  out.step(`Task ${queued.id} runs in the background: clone, the agent's turns, npm test, push`);
  const display = createProgressDisplay(out.stream);
  const task = await follow(store, queued.id, {
    intervalMs: 250,
    onUpdate: (update) => display.update(update),
    ...(signal ? { signal } : {}),
  });
  display.done();
  if (signal?.aborted) return { issue, task, pullRequest: undefined, ok: false };

  // The store is the source of truth and ends first; GitHub is told right after.
  const checkRun =
    task.checkRunId === undefined
      ? undefined
      : await until('the check run to conclude', CHECK_RUN_CONCLUDES_MS, async () => {
          const run = github.checkRuns(DEMO_REPO_NAME).find((r) => r.id === task.checkRunId);
          return run?.status === 'completed' ? run : undefined;
        }).catch(() => undefined);
  const number = newestPullRequest(github, DEMO_REPO_NAME);
  const pullRequest =
    number === undefined ? undefined : await readPullRequest(github, DEMO_REPO_NAME, number);
  const ok =
    task.status === 'succeeded' &&
    pullRequest?.draft === true &&
    checkRun?.conclusion === 'success' &&
    world.model.errors.length === 0;
  printOutcome(out, { task, pullRequest });
  if (!ok) printProblem(out, world, task);
  return { issue, task, pullRequest, ok };
}
