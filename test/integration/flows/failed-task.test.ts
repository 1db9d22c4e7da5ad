/**
 * A task that fails, through the real path (signed webhooks, dispatch, the local runner's child
 * processes, the fake GitHub, the scripted model): the agent process's own reason reaches the task
 * record, the tracking comment and the check run, in the runner's words and redacted; an issue
 * task's draft pull request is closed with its branch deleted when nothing but the starting commit
 * was pushed, and explained when its branch holds work; Retry is offered only where it works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordExitReason } from '../../../agent-task/exit-reason.js';
import { commentMarker } from '../../../core/report.js';
import { isTerminal, type Task } from '../../../core/task.js';
import { onRunnerStopped } from '../../../functions/runner-stopped.js';
import { LocalRunner } from '../../../functions/runners/local-runner.js';
import { readStopEvent } from '../../../functions/task-events/handler.js';
import { ANTHROPIC_KEY, CALC_FILES, REPO, startHarness, type Harness } from '../../support/harness.js';
import { RecordingRunner } from '../../support/recording-runner.js';
import { done, editor } from '../../support/scripted-model/index.js';
import { agentEnv, silent } from '../../reliability/support.js';

describe('a task that fails', () => {
  let h: Harness;
  beforeAll(async () => {
    // verifyRounds: 0, so a failing test ends the task at once.
    h = await startHarness({
      files: { ...CALC_FILES, '.github/nightshift.yml': 'test: node test.js\nverifyRounds: 0\n' },
    });
  });
  afterAll(() => h.close());

  async function label(title: string): Promise<number> {
    const issue = h.github.addIssue(REPO, { title, body: 'add(2, 3) must be 5', user: 'bob' });
    await relabel(issue.number);
    return issue.number;
  }
  async function relabel(number: number): Promise<void> {
    expect((await h.label(number)).statusCode).toBe(202);
  }
  async function ended(number: number, after: Set<string> = new Set()): Promise<Task> {
    await h.settle();
    return h.waitForTask((t) => t.target.number === number && isTerminal(t.status) && !after.has(t.id));
  }
  const trackingComment = (task: Task) =>
    h.github
      .comments(REPO, task.target.number)
      .find((c) => c.body.includes(commentMarker(task.id, 'tracking'))) ?? { body: '' };
  const everythingSaid = () =>
    JSON.stringify([
      h.github.calls.map((c) => c.body),
      h.github.checkRuns(REPO).map((r) => r.output),
      h.github.issues(REPO).map((i) => [i.title, i.body]),
    ]);

  it('an agent process that exits at start (no ANTHROPIC_API_KEY) → its own reason on the record and the tracking comment, in a process’s words', async () => {
    const { ANTHROPIC_API_KEY: _key, ...env } = agentEnv(h);
    const original = h.deps.runner;
    const runner = h.composition.local!.childRunner(env);
    h.deps.runner = runner;
    let task: Task;
    try {
      const number = await label('No key');
      await h.dispatcher.idle();
      await runner.drain(Number.POSITIVE_INFINITY);
      task = await ended(number);
    } finally {
      h.deps.runner = original;
    }
    expect(task.status).toBe('failed');
    expect(task.result?.headline).toBe('The agent could not start');
    expect(task.error).toContain(
      'The agent stopped before the task finished: its process exited with code 1.',
    );
    expect(task.error).toContain('ANTHROPIC_API_KEY is not set');
    expect(task.error).not.toMatch(/container/);
    const comment = trackingComment(task).body;
    expect(comment).toContain('The agent could not start');
    expect(comment).toContain('ANTHROPIC_API_KEY is not set');
    // No check run exists for this issue task yet: no button to press, and none offered.
    expect(task.checkRunId).toBeUndefined();
    expect(comment).not.toContain('Retry');
    expect(comment).toContain('remove the `agent` label from issue');
  });

  it('an agent process that crashes → the last lines it wrote, redacted, on the record, the check run and the comment', async () => {
    // A pull request task, so a check run exists from the start.
    await h.github.commitFiles(REPO, 'feature', { 'NOTES.md': 'notes\n' }, 'Notes');
    const pr = await h.github.addPullRequest(REPO, { head: 'feature', title: 'Feature', user: 'alice' });
    const token = 'ghs_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const crash = new LocalRunner({
      env: agentEnv(h),
      tokens: h.tokens,
      log: silent,
      onExit: (taskId, stop, runnerId) => onRunnerStopped(h.deps, taskId, stop, 'failure', runnerId),
      command: [
        process.execPath,
        '-e',
        // A moment of work first: the session log it stored shows on the check run the control plane concludes.
        `setTimeout(() => { console.error('TypeError: cannot read the plan\\n    at work (agent.js:1)\\nkey ' + process.env.ANTHROPIC_API_KEY + ' token ${token}'); process.exit(3) }, 1500)`,
      ],
    });
    const original = h.deps.runner;
    h.deps.runner = crash;
    let task: Task;
    try {
      const comment = h.github.addComment(REPO, pr.number, { body: '/agent fix it', user: 'alice' });
      const payload = await h.payload('issue_comment', 'created', {
        issue: { number: pr.number },
        comment: { id: comment.id },
        sender: { login: 'alice' },
      });
      await h.deliver('issue_comment', payload);
      await h.dispatcher.idle();
      const started = await h.waitForTask((t) => t.target.number === pr.number && t.status === 'dispatched');
      await h.db.store.appendSessionEntry(started.id, 0, {
        kind: 'tool',
        at: new Date().toISOString(),
        turn: 1,
        tool: 'bash',
        action: 'bash: npm run build',
        result: 'building…',
        isError: false,
        durationMs: 40,
      });
      await crash.drain(Number.POSITIVE_INFINITY);
      task = await ended(pr.number);
    } finally {
      h.deps.runner = original;
    }
    expect(task.error).toContain('its process exited with code 3');
    expect(task.error).toContain('TypeError: cannot read the plan');
    expect(task.error).toContain('key [REDACTED] token [REDACTED]');
    const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run?.output.summary).toContain('TypeError: cannot read the plan');
    expect(run?.output.text).toContain('`bash: npm run build · 40 ms`');
    // The check run sits on an open pull request: its Retry button works, and it is offered.
    expect(run?.actions.map((a) => a.identifier)).toEqual(['retry']);
    expect(run?.output.summary).toContain('Press **Retry**');
    const said = everythingSaid() + JSON.stringify(await h.tasks());
    expect(said).not.toContain(ANTHROPIC_KEY);
    expect(said).not.toContain(token);
  });

  it('on ECS: the container’s stop event and the reason the agent stored before exiting', async () => {
    const recording = new RecordingRunner();
    const original = h.deps.runner;
    h.deps.runner = recording;
    let task: Task;
    try {
      const number = await label('On Fargate');
      await h.dispatcher.idle();
      const dispatched = await h.waitForTask((t) => t.target.number === number && t.status === 'dispatched');
      const arn = dispatched.runnerId ?? '';
      // What agent-task/main.ts does as it fails, before its container stops.
      expect(await recordExitReason(h.db.store, dispatched.id, arn, 'the store refused the claim')).toBe(
        true,
      );
      // Another runner may not speak for the task.
      expect(await recordExitReason(h.db.store, dispatched.id, 'arn:other', 'not mine')).toBe(false);
      const stop = readStopEvent({
        detail: {
          lastStatus: 'STOPPED',
          taskArn: arn,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'agent', exitCode: 1 }],
          overrides: { containerOverrides: [{ environment: [{ name: 'TASK_ID', value: dispatched.id }] }] },
        },
      });
      if (!stop) throw new Error('no stop read');
      await onRunnerStopped(h.deps, stop.taskId, stop.reason, 'failure', stop.runnerId);
      task = await ended(number);
    } finally {
      h.deps.runner = original;
    }
    expect(task.error).toContain(
      'its container stopped: EssentialContainerExited · Essential container in task exited · exit code 1.',
    );
    expect(task.error).toContain('the store refused the claim');
    expect(task.error).not.toContain('not mine');
    expect(trackingComment(task).body).toContain('the store refused the claim');
  });

  it('an issue task that fails before pushing work → its draft pull request closed, its branch deleted, no Retry button; labelling again works', async () => {
    h.model.push({ error: 400, message: 'prompt is malformed' });
    const number = await label('Fails at once');
    const task = await ended(number);
    expect(task.status).toBe('failed');
    const prNumber = task.result?.pullRequestNumber ?? 0;
    const conversation = h.github.issue(REPO, prNumber);
    expect(conversation?.state).toBe('closed');
    expect(conversation?.title).toBe('Fails at once');
    expect(conversation?.body).toContain('ended without pushing any work');
    expect(conversation?.body).not.toContain('updated when it finishes');
    expect(await h.github.branchSha(REPO, task.branch ?? '')).toBeUndefined();

    const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run?.actions).toEqual([]);
    expect(run?.output.summary).not.toContain('Retry');
    expect(run?.output.summary).toContain(
      `draft pull request #${prNumber} was closed and its branch deleted`,
    );
    const comment = trackingComment(task).body;
    expect(comment).not.toContain('Retry');
    expect(comment).toContain(
      `To run it again, remove the \`agent\` label from issue #${number} and add it again.`,
    );

    // What the text offers works: a new branch, a new pull request, a success.
    h.model.push(
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      done('Fixed add().'),
    );
    await relabel(number);
    const again = await ended(number, new Set([task.id]));
    expect(again.status, again.error).toBe('succeeded');
    expect(again.result?.pullRequestNumber).not.toBe(prNumber);
    expect(h.github.issue(REPO, again.result?.pullRequestNumber ?? 0)?.state).toBe('open');
  });

  it('an issue task that fails on a branch holding work → its pull request kept and explained, with a Retry that works', async () => {
    // First task: pushes work whose checks fail (the record keeps its commit): the pull request
    // is its announced one, with the failing check and Retry.
    h.model.push(editor({ command: 'create', path: 'NOTES.md', file_text: 'notes\n' }), done('Added notes.'));
    const number = await label('Work that fails its checks');
    const first = await ended(number);
    expect(first.result?.headline).toBe('Pushed, but the checks fail');
    const firstPr = first.result?.pullRequestNumber ?? 0;
    expect(h.github.issue(REPO, firstPr)).toMatchObject({
      state: 'open',
      title: 'Work that fails its checks',
    });
    const firstRun = h.github.checkRuns(REPO).find((r) => r.id === first.checkRunId);
    expect(firstRun?.actions.map((a) => a.identifier)).toEqual(['retry']);

    // Someone closes that pull request; the issue is labelled again: a new draft on the branch
    // with work, and this time the model fails.
    h.github.updatePullRequest(REPO, firstPr, { state: 'closed' });
    h.model.push({ error: 400, message: 'prompt is malformed' });
    await relabel(number);
    const second = await ended(number, new Set([first.id]));
    expect(second.status).toBe('failed');
    const secondPr = second.result?.pullRequestNumber ?? 0;
    expect(secondPr).not.toBe(firstPr);
    const conversation = h.github.issue(REPO, secondPr);
    expect(conversation?.state).toBe('open');
    expect(conversation?.title).toBe('Work that fails its checks');
    expect(conversation?.body).toContain('ended without pushing more work: **The agent failed**');
    expect(conversation?.body).toContain('The branch holds what was pushed before.');
    expect(conversation?.body).not.toContain('updated when it finishes');
    expect(await h.github.readFile(REPO, second.branch ?? '', 'NOTES.md')).toBe('notes\n');
    const run = h.github.checkRuns(REPO).find((r) => r.id === second.checkRunId);
    expect(run?.actions.map((a) => a.identifier)).toEqual(['retry']);
    expect(trackingComment(second).body).toContain(
      `press **Retry** on the \`nightshift\` check run of #${secondPr}`,
    );
  });
});
