/**
 * Reliability when the agent's world fails under it: installation tokens that expire or are
 * revoked, an app uninstalled mid-task, a container killed, an agent that hangs, and two workers
 * on one task. The real agent-task program runs as a child process per task; the sweeper runs with
 * a clock moved forward instead of real waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from '../../core/ports.js';
import { commentMarker } from '../../core/report.js';
import { isTerminal, type Task } from '../../core/task.js';
import { onRunnerStopped } from '../../functions/runner-stopped.js';
import { LocalRunner } from '../../functions/runners/local-runner.js';
import { sweep } from '../../functions/sweeper/sweep.js';
import { readStopEvent, type EcsStateChange } from '../../functions/task-events/handler.js';
import { payloadFor } from '../support/fake-github/index.js';
import { CALC_FILES, REPO, startHarness, type Harness } from '../support/harness.js';
import { bash, done, editor } from '../support/scripted-model/index.js';
import { RecordingRunner, agentEnv, labelIssue, runIssue, silent, taskOf, waitFor } from './support.js';

const MINUTE = 60_000;
const FIX = editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' });
const FINISH = [FIX, bash('node test.js'), done('Fixed add().')];

function pidOf(task: Task): number {
  const pid = Number(task.runnerId?.replace(/^local:/, ''));
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no local runner for task ${task.id}`);
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A local runner whose stop events name the runner, as an ECS event names its task ARN. */
class NamedLocalRunner implements Runner {
  private readonly ids = new Map<string, string>();
  readonly local: LocalRunner;
  constructor(h: Harness) {
    this.local = new LocalRunner({
      env: agentEnv(h),
      tokens: h.tokens,
      log: silent,
      onExit: (taskId, reason) => onRunnerStopped(h.deps, taskId, reason, 'failure', this.ids.get(taskId)),
    });
  }
  async start(task: Task): Promise<string> {
    const id = await this.local.start(task);
    this.ids.set(task.id, id);
    return id;
  }
  async stop(runnerId: string): Promise<void> {
    await this.local.stop(runnerId);
  }
}

describe('reliability: faults around the agent', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** A running task with its check run: the early draft pull request opens beside the agent. */
  const runningTask = () =>
    waitFor('a running task on its check run', async () =>
      (await h.tasks()).find((t) => t.status === 'running' && t.checkRunId !== undefined),
    );
  /** Tokens minted for the agent: scoped to one repository (dispatch's are not). */
  const agentTokens = () => h.github.tokens().filter((t) => t.repositoryIds !== undefined);
  /** Until GitHub has seen no call for 300 ms. */
  const quiet = async () => {
    let seen = -1;
    while (seen !== h.github.calls.length) {
      seen = h.github.calls.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  };
  const refusedCalls = (from: number) => h.github.calls.slice(from).filter((c) => c.status === 401);

  it('case 11: the installation token expires during a task longer than an hour, or the app is uninstalled mid-task → refreshed on expiry; uninstalled ends the task failed with the reason, no loop', async () => {
    // Tokens that live 5 minutes and 1 second: the agent must renew them while it works.
    const normalTtl = h.github.tokenTtlMs;
    h.github.tokenTtlMs = 5 * MINUTE + 1000;
    const callsBefore = h.github.calls.length;
    const tokensBefore = agentTokens().length;
    try {
      const { task } = await runIssue(h, 'Long task', [
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 1500)); // the token is now about to lapse
          return bash('ls');
        },
        ...FINISH,
      ]);
      expect(task.status, task.error).toBe('succeeded');
    } finally {
      h.github.tokenTtlMs = normalTtl;
    }
    const minted = agentTokens().slice(tokensBefore);
    expect(minted.length).toBeGreaterThanOrEqual(2);
    // Scoped to the one repository, every one of them.
    for (const token of minted) expect(token.repositoryIds).toEqual([h.github.repo(REPO)?.id]);
    expect(refusedCalls(callsBefore)).toEqual([]);

    // A token GitHub stops accepting mid-task (expired or revoked early): refused once, renewed.
    const revokedAt = h.github.calls.length;
    const { task: revoked } = await runIssue(h, 'Revoked token', [
      () => {
        for (const token of agentTokens()) h.github.state.tokens.delete(token.token);
        return FIX;
      },
      bash('node test.js'),
      done('Fixed add().'),
    ]);
    expect(revoked.status, revoked.error).toBe('succeeded');
    expect(refusedCalls(revokedAt).length).toBeGreaterThan(0);
    expect(await h.github.readFile(REPO, revoked.branch ?? '', 'math.js')).toContain('a + b');

    // The app uninstalled from an account mid-task: failed with the reason, and no retry loop.
    const other = await h.github.addRepo({ owner: 'umbrella', name: 'calc', files: CALC_FILES });
    h.github.setPermission('umbrella/calc', 'alice', 'write');
    const issue = h.github.addIssue('umbrella/calc', {
      title: 'Uninstalled',
      body: 'Fix add()',
      user: 'bob',
    });
    let tokenRequestsAtUninstall = 0;
    let pushesAtUninstall = 0;
    h.model.push(async () => {
      // Once the draft pull request, opened beside the agent, is up on its first commit.
      await waitFor('the early draft', async () =>
        (await h.tasks()).find((t) => t.repository === 'umbrella/calc' && t.checkRunId !== undefined),
      );
      pushesAtUninstall = h.github.pushes.filter((p) => p.repo === 'umbrella/calc').length;
      const id = other.installationId ?? 0;
      h.github.state.installations.delete(id);
      for (const token of h.github.tokens())
        if (token.installationId === id) h.github.state.tokens.delete(token.token);
      tokenRequestsAtUninstall = h.github.callsTo('apps/create-installation-access-token').length;
      return FIX;
    }, done('Fixed add().'));
    const payload = await payloadFor(h.github, 'umbrella/calc', 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('issues', payload)).statusCode).toBe(202);
    await h.settle();
    const gone = await h.waitForTask((t) => t.repository === 'umbrella/calc' && isTerminal(t.status));
    expect(gone.status).toBe('failed');
    expect(gone.error).toMatch(/uninstalled or lost access to calc/);
    const tokenRequestsAfter =
      h.github.callsTo('apps/create-installation-access-token').length - tokenRequestsAtUninstall;
    expect(tokenRequestsAfter).toBeGreaterThan(0);
    expect(tokenRequestsAfter).toBeLessThanOrEqual(10);
    expect(pushesAtUninstall).toBe(1); // the branch's first commit, before the uninstall
    expect(h.github.pushes.filter((p) => p.repo === 'umbrella/calc')).toHaveLength(pushesAtUninstall);
    expect(h.runner.running).toBe(0);
  });

  it('case 13: the agent container is killed (OOM, exit 137, spot interruption) → the stopped event fails the task with the stop code within seconds; out-of-order or duplicate state-change events change nothing', async () => {
    // A local agent killed with SIGKILL mid-task.
    let killedAt = 0;
    h.model.push(async () => {
      const task = await runningTask();
      process.kill(pidOf(task), 'SIGKILL');
      killedAt = Date.now();
      return FIX;
    });
    const { number } = await labelIssue(h, { title: 'Killed' });
    const failed = await taskOf(h, number);
    const noticedIn = Date.now() - killedAt;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/killed by SIGKILL/);
    expect(noticedIn).toBeLessThan(5000);
    const run = await waitFor('the check run to conclude', () =>
      h.github.checkRuns(REPO).find((r) => r.id === failed.checkRunId && r.status === 'completed'),
    );
    expect(run.conclusion).toBe('failure');
    expect(run.output.summary).toMatch(/killed by SIGKILL/);
    expect(await h.db.store.lockHolder(REPO, number)).toBeUndefined();
    await h.settle();

    // On ECS: EventBridge "ECS Task State Change" events, read as the task-events Lambda reads them.
    const recording = new RecordingRunner();
    const original = h.deps.runner;
    h.deps.runner = recording;
    try {
      const event = (taskId: string, detail: Partial<EcsStateChange['detail']>): EcsStateChange => ({
        'detail-type': 'ECS Task State Change',
        detail: {
          taskArn: `arn:aws:ecs:us-east-1:123456789012:task/nightshift/${taskId}`,
          overrides: { containerOverrides: [{ environment: [{ name: 'TASK_ID', value: taskId }] }] },
          ...detail,
        },
      });
      const deliver = async (e: EcsStateChange) => {
        const stop = readStopEvent(e);
        if (stop) await onRunnerStopped(h.deps, stop.taskId, stop.reason);
      };
      const started = async (title: string) => {
        const { number: n } = await labelIssue(h, { title });
        await h.dispatcher.idle();
        const task = await taskOf(h, n, (t) => t.status === 'dispatched');
        // The container claims it, as agent-task does.
        return h.db.store.transition(task, 'running', {
          leaseOwner: 'ip-10-0-1-7:1:abc',
          leaseExpiresAt: new Date(Date.now() + 5 * MINUTE).toISOString(),
        });
      };

      const oom = await started('Out of memory');
      await deliver(event(oom.id, { lastStatus: 'RUNNING' }));
      expect((await h.db.store.load(oom.id)).status).toBe('running');
      const stopped = event(oom.id, {
        lastStatus: 'STOPPED',
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
        containers: [
          { name: 'agent', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
        ],
      });
      await deliver(stopped);
      const ended = await h.db.store.load(oom.id);
      expect(ended.status).toBe('failed');
      expect(ended.error).toMatch(/EssentialContainerExited.*exit code 137.*OutOfMemoryError/);
      // The same event again, and a late RUNNING event: nothing changes.
      await deliver(stopped);
      await deliver(event(oom.id, { lastStatus: 'RUNNING' }));
      expect(await h.db.store.load(oom.id)).toEqual(ended);

      const spot = await started('Spot interruption');
      await deliver(
        event(spot.id, {
          lastStatus: 'STOPPED',
          stopCode: 'SpotInterruption',
          stoppedReason: 'Your Spot Task was interrupted.',
        }),
      );
      expect((await h.db.store.load(spot.id)).error).toMatch(/SpotInterruption/);

      // A task that ended by itself, and its STOPPED event after: nothing changes.
      const finished = await started('Finished normally');
      await h.db.store.transition(finished, 'succeeded', { result: { conclusion: 'success' } });
      const before = await h.db.store.load(finished.id);
      await deliver(
        event(finished.id, {
          lastStatus: 'STOPPED',
          stopCode: 'EssentialContainerExited',
          containers: [{ exitCode: 0 }],
        }),
      );
      expect(await h.db.store.load(finished.id)).toEqual(before);
    } finally {
      h.deps.runner = original;
    }
  });

  it('case 14: the agent hangs → its heartbeat lapses, a sweeper stops it and concludes the check run `timed_out`; nothing stays in progress forever', async () => {
    let hung: Task | undefined;
    h.model.push(async () => {
      hung = await runningTask();
      process.kill(pidOf(hung), 'SIGSTOP'); // frozen: no heartbeat, no progress, no exit
      return FIX;
    });
    const { number } = await labelIssue(h, { title: 'Hangs' });
    const task = await waitFor('the agent to hang', () => hung);
    const pid = pidOf(task);
    // While its lease holds, the sweeper leaves it alone.
    const now = await sweep({ ...h.deps, runner: h.runner });
    expect(now.timedOut).not.toContain(task.id);
    expect((await h.db.store.load(task.id)).status).toBe('running');
    // Once its lease (5 minutes) has lapsed: concluded timed_out, its process stopped.
    const later = await sweep({ ...h.deps, runner: h.runner, now: () => new Date(Date.now() + 6 * MINUTE) });
    expect(later.timedOut).toContain(task.id);
    const ended = await h.db.store.load(task.id);
    expect(ended).toMatchObject({ status: 'failed', result: { conclusion: 'timed_out' } });
    expect(ended.error).toMatch(/heartbeat lapsed/);
    const run = h.github.checkRuns(REPO).find((r) => r.id === ended.checkRunId);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'timed_out' });
    // Its draft held only the starting commit: closed, so no Retry button (GitHub would not
    // deliver it); the tracking comment says what works instead.
    expect(run?.actions).toEqual([]);
    expect(h.github.issue(REPO, ended.result?.pullRequestNumber ?? 0)?.state).toBe('closed');
    const tracking = h.github
      .comments(REPO, number)
      .find((c) => c.body.includes(commentMarker(ended.id, 'tracking')));
    expect(tracking?.body).toContain('remove the `agent` label');
    await h.settle();
    expect(alive(pid)).toBe(false);
    expect(await h.db.store.lockHolder(REPO, number)).toBeUndefined();
    expect((await h.tasks()).filter((t) => t.status === 'running')).toEqual([]);
  });

  it('case 15: two workers race on one task (a retried container and the original) → only the holder of the lease pushes or comments; the other exits', async () => {
    // Two copies started for one task at once: one claims it, the other exits without work, and
    // its stop event (naming its runner) does not touch the task the first one holds.
    const first = new NamedLocalRunner(h);
    const second = new NamedLocalRunner(h);
    const original = h.deps.runner;
    h.deps.runner = {
      start: async (task) => (await Promise.all([first.start(task), second.start(task)]))[0],
      stop: (id) => first.stop(id).then(() => second.stop(id)),
    };
    const requestsBefore = h.model.requests.length;
    let raced: Task;
    try {
      h.model.push(...FINISH);
      const { number } = await labelIssue(h, { title: 'Raced' });
      raced = await taskOf(h, number);
      await Promise.all([
        first.local.drain(Number.POSITIVE_INFINITY),
        second.local.drain(Number.POSITIVE_INFINITY),
      ]);
      await h.dispatcher.idle();
    } finally {
      h.deps.runner = original;
    }
    expect(raced.status, raced.error).toBe('succeeded');
    expect(await h.db.store.load(raced.id)).toMatchObject({ status: 'succeeded' });
    expect(h.model.requests.length - requestsBefore).toBe(FINISH.length); // one conversation, not two
    expect(h.model.errors).toEqual([]);
    const prs = h.github.pullRequests(REPO).filter((p) => p.headRef === raced.branch);
    expect(prs).toHaveLength(1);
    const tracking = h.github
      .comments(REPO, raced.target.number)
      .filter((c) => c.body.includes(commentMarker(raced.id, 'tracking')));
    expect(tracking).toHaveLength(1);

    // The original hung; the sweeper gave its task up (its runner could not be reached to stop
    // it); then it wakes. It finds its task ended at its next write: it pushes and posts nothing.
    let zombie: Task | undefined;
    h.model.push(async () => {
      const running = await runningTask();
      // Frozen while it waits for the model, once its progress posts have landed. (A post still
      // in flight at the freeze lands when it wakes: see the todo below.)
      await quiet();
      process.kill(pidOf(running), 'SIGSTOP');
      zombie = running;
      return FIX;
    });
    const { number } = await labelIssue(h, { title: 'Zombie' });
    const task = await waitFor('the agent to hang', () => zombie);
    const unreachable: Pick<Runner, 'stop'> = { stop: async () => undefined };
    const swept = await sweep({
      ...h.deps,
      runner: unreachable,
      now: () => new Date(Date.now() + 6 * MINUTE),
    });
    expect(swept.timedOut).toContain(task.id);
    const timedOut = await h.db.store.load(task.id);
    const runBefore = JSON.stringify(h.github.checkRuns(REPO).find((r) => r.id === timedOut.checkRunId));
    const pushesBefore = h.github.pushes.length;
    const callsBefore = h.github.calls.length;
    const commentsBefore = h.github.comments(REPO, number).map((c) => c.body);
    process.kill(pidOf(task), 'SIGCONT');
    await h.settle();
    expect(h.model.errors).toEqual([]); // it woke, saw its task ended, asked the model nothing more …
    expect(h.github.pushes.length).toBe(pushesBefore); // … pushed nothing,
    const writes = h.github.calls
      .slice(callsBefore)
      .filter((c) => c.method !== 'GET' && c.operationId !== 'apps/create-installation-access-token');
    // … and on GitHub only said the stored end once more, unchanged,
    expect(writes.every((c) => c.operationId === 'checks/update')).toBe(true);
    expect(h.github.comments(REPO, number).map((c) => c.body)).toEqual(commentsBefore);
    const shown = (run: string | undefined) => {
      const { status, conclusion, output } = JSON.parse(run ?? '{}') as Record<string, unknown>;
      return { status, conclusion, output };
    };
    expect(shown(JSON.stringify(h.github.checkRuns(REPO).find((r) => r.id === timedOut.checkRunId)))).toEqual(
      shown(runBefore),
    );
    expect(await h.db.store.load(task.id)).toMatchObject({ status: 'failed', version: timedOut.version }); // and its record stands.
  });

  it('case 15 (wiring): a second copy of a task exits without work, and its exit, naming its runner, leaves the task alone', async () => {
    // The harness's own LocalRunner, as npm start wires it: onExit names the stopped runner.
    let second: Promise<string> | undefined;
    h.model.push(
      async () => {
        const running = await runningTask();
        second = h.runner.start(running); // a retried dispatch starts another copy
        await second;
        await waitFor('the second copy to exit', () => (h.runner.running === 1 ? true : undefined));
        return FIX;
      },
      ...FINISH.slice(1),
    );
    const { number } = await labelIssue(h, { title: 'Second copy' });
    const task = await taskOf(h, number);
    expect(await second).toMatch(/^local:\d+$/);
    expect(task.status, task.error).toBe('succeeded');
    expect(task.leaseOwner?.startsWith(`${task.runnerId}:`)).toBe(true);
    // The task-events Lambda names the runner the same way: the ECS task ARN.
    const event: EcsStateChange = {
      detail: {
        lastStatus: 'STOPPED',
        taskArn: 'arn:aws:ecs:us-east-1:1:task/nightshift/abc',
        overrides: { containerOverrides: [{ environment: [{ name: 'TASK_ID', value: task.id }] }] },
      },
    };
    expect(readStopEvent(event)?.runnerId).toBe('arn:aws:ecs:us-east-1:1:task/nightshift/abc');
  });

  it('case 15 (late update): a worker that finds its task ended by the sweeper stops, and says the stored end again', async () => {
    let ended: Task | undefined;
    h.model.push(async () => {
      const running = await runningTask();
      // The sweeper ends the task (its heartbeat lapsed) …
      await onRunnerStopped(h.deps, running.id, 'its heartbeat lapsed', 'timed_out');
      ended = await h.db.store.load(running.id);
      // … and then a progress update that was in flight lands, reopening the check run.
      const octokit = await h.deps.octokitFor(running.installationId);
      await octokit.rest.checks.update({
        owner: 'acme',
        repo: 'calc',
        check_run_id: ended.checkRunId ?? 0,
        status: 'in_progress',
        output: { title: 'Working · turn 1', summary: 'a late progress update' },
      });
      return FIX;
    });
    const { number } = await labelIssue(h, { title: 'Late update' });
    const task = await taskOf(h, number);
    await h.settle();
    expect(ended?.status).toBe('failed');
    expect(h.model.remaining).toBe(0);
    expect(h.model.errors).toEqual([]); // it asked the model nothing more after it lost the task
    const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'timed_out' });
    // Nothing was pushed: the branch left with its draft when the task ended, and stays gone.
    expect(await h.github.branchSha(REPO, task.branch ?? '')).toBeUndefined();
  });
});
