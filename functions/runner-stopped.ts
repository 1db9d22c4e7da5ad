/**
 * A runner (ECS task or local child process) stopped. If the task did not end itself, it failed:
 * mark it, conclude its check run, and start whatever waits on the target. Duplicate or late
 * events change nothing, because an ended task is left alone. An event that names its runner is
 * about the task only if that runner holds the task's lease (or, before a runner claimed it, is
 * the one dispatch started): a second copy that found the task taken and exited changes nothing.
 *
 * The report says why, in the runner's words ("its process exited with code 1", "its container
 * stopped: …"), with the agent's own last words when it could store them (`exitReason`), else the
 * last lines it wrote (a local child's stderr), redacted.
 */
import type { Logger } from 'pino';
import { RepositoryGateway, type Octokit } from '../core/github/repository-gateway.js';
import { finishTask, promoteNext } from '../core/lifecycle.js';
import type { Dispatcher } from '../core/ports.js';
import { codeBlock, type Outcome } from '../core/report.js';
import type { StoredSessionEntry } from '../core/session-log/entries.js';
import { renderSessionMarkdown } from '../core/session-log/render-markdown.js';
import { redactSecrets } from '../core/sanitize.js';
import type { TaskStore } from '../core/store/task-store.js';
import { isTerminal, runnerHoldsTask, type Task } from '../core/task.js';

export { runnerHoldsTask } from '../core/task.js';

export interface RunnerStoppedDeps {
  store: TaskStore;
  octokitFor(installationId: number): Promise<Octokit>;
  dispatcher: Dispatcher;
  log: Logger;
  secrets?: () => string[];
  /** The task's page at the public address (NIGHTSHIFT_PUBLIC_URL), for the check run's link. */
  detailsUrl?: (task: Task) => string | undefined;
}

/** Why a runner stopped: `reason` completes "The agent stopped before the task finished: …". */
export interface RunnerStop {
  reason: string;
  /** The last lines the agent process wrote (its stderr), when the runner kept them. */
  output?: string;
}

export async function onRunnerStopped(
  deps: RunnerStoppedDeps,
  taskId: string,
  stop: string | RunnerStop,
  conclusion: 'failure' | 'timed_out' = 'failure',
  runnerId?: string,
): Promise<void> {
  const task = await deps.store.get(taskId);
  if (!task) return;
  if (!runnerHoldsTask(task, runnerId)) {
    deps.log.info(
      { taskId, runnerId, leaseOwner: task.leaseOwner },
      'a runner that does not hold the task stopped',
    );
    return;
  }
  if (!isTerminal(task.status)) {
    const { reason, output } = typeof stop === 'string' ? { reason: stop, output: undefined } : stop;
    deps.log.warn({ taskId, reason }, 'runner stopped before the task ended: failing it');
    const gateway = new RepositoryGateway(
      await deps.octokitFor(task.installationId),
      task.repository,
      deps.secrets,
      deps.detailsUrl,
    );
    const outcome = {
      ...stoppedOutcome(task, reason, output, conclusion, deps.secrets?.() ?? []),
      ...(await sessionText(deps, task)),
    };
    await finishTask(deps.store, gateway, task, 'failed', outcome).catch((error: unknown) =>
      deps.log.error({ err: error, taskId }, 'could not report the failure'),
    );
    // What people said to this agent mid-task did not get its answer: it starts a follow-up
    // (settled by promoteNext), as words that arrive after an agent's last turn do.
    const returned = await deps.store.returnTakenMessages(task).catch((error: unknown) => {
      deps.log.error({ err: error, taskId }, 'could not return the messages the agent took');
      return 0;
    });
    if (returned) deps.log.info({ taskId, returned }, "the stopped agent's messages start a follow-up");
  }
  await promoteNext(deps.store, deps.dispatcher, task);
}

/** The session log as far as the agent stored it: the check run's text, as the agent would have made it. */
async function sessionText(deps: RunnerStoppedDeps, task: Task): Promise<{ details?: string }> {
  const entries = await deps.store.readSession(task.id).catch(() => [] as StoredSessionEntry[]);
  const pageUrl = deps.detailsUrl?.(task);
  const text = renderSessionMarkdown(
    entries.map((s) => s.entry),
    { taskId: task.id, ...(pageUrl ? { pageUrl } : {}) },
  );
  return text ? { details: text } : {};
}

/** What the end says: who stopped, why, and what the agent said last; every part redacted. */
export function stoppedOutcome(
  task: Task,
  reason: string,
  output: string | undefined,
  conclusion: 'failure' | 'timed_out',
  secrets: string[],
): Outcome {
  const headline =
    conclusion === 'timed_out'
      ? 'The agent stopped responding'
      : task.status === 'dispatched'
        ? 'The agent could not start'
        : 'The agent stopped unexpectedly';
  const said = task.exitReason
    ? `\n\nIt said:\n\n${codeBlock(task.exitReason)}`
    : output?.trim()
      ? `\n\nIts last output:\n\n${codeBlock(output.trim())}`
      : '';
  const summary = `The agent stopped before the task finished: ${reason}.${said}`;
  return { conclusion, headline, summary: redactSecrets(summary, secrets) };
}
