/**
 * The sweeper: nothing stays in flight forever. On AWS a scheduled Lambda runs it every few
 * minutes; locally a timer in the server does.
 *  - queued too long (recorded, dispatch lost): dispatched again; after an hour, failed;
 *  - dispatched but never claimed by a runner: failed, and the target's queue moves on;
 *  - running with a lapsed heartbeat (hung or vanished): runner stopped, concluded `timed_out`;
 *  - waiting on a target nobody holds: promoted.
 */
import type { Runner } from '../../core/ports.js';
import { finishTask, promoteNext } from '../../core/lifecycle.js';
import { onRunnerStopped, type RunnerStoppedDeps } from '../runner-stopped.js';

export interface SweepDeps extends RunnerStoppedDeps {
  runner: Pick<Runner, 'stop'>;
  now?: () => Date;
}

export interface SweepLimits {
  queuedMs: number;
  giveUpMs: number;
  dispatchedMs: number;
}

export const DEFAULT_SWEEP_LIMITS: SweepLimits = {
  queuedMs: 2 * 60_000,
  giveUpMs: 60 * 60_000,
  dispatchedMs: 15 * 60_000,
};

export interface SweepReport {
  redispatched: string[];
  failed: string[];
  timedOut: string[];
  promoted: string[];
}

export async function sweep(
  deps: SweepDeps,
  limits: SweepLimits = DEFAULT_SWEEP_LIMITS,
): Promise<SweepReport> {
  const now = (deps.now ?? (() => new Date()))();
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const report: SweepReport = { redispatched: [], failed: [], timedOut: [], promoted: [] };

  for (const task of await deps.store.listStale('queued', ago(limits.queuedMs))) {
    if (task.createdAt < ago(limits.giveUpMs)) {
      await finishTask(deps.store, undefined, task, 'failed', {
        conclusion: 'failure',
        headline: 'Nightshift could not start',
        summary: 'The task was recorded but never dispatched within an hour.',
      });
      report.failed.push(task.id);
    } else {
      await deps.dispatcher.send({ type: 'dispatch', taskId: task.id });
      report.redispatched.push(task.id);
    }
  }
  for (const task of await deps.store.listStale('dispatched', ago(limits.dispatchedMs))) {
    if (task.runnerId) await deps.runner.stop(task.runnerId, 'never claimed its task').catch(() => undefined);
    await onRunnerStopped(deps, task.id, 'the runner never started the task');
    report.failed.push(task.id);
  }
  for (const task of await deps.store.listStale('running', now.toISOString())) {
    if (!task.leaseExpiresAt || task.leaseExpiresAt > now.toISOString()) continue;
    if (task.runnerId) await deps.runner.stop(task.runnerId, 'heartbeat lapsed').catch(() => undefined);
    await onRunnerStopped(
      deps,
      task.id,
      'its heartbeat lapsed: the agent hung or its container vanished',
      'timed_out',
    );
    report.timedOut.push(task.id);
  }
  for (const task of await deps.store.listStale('waiting', ago(limits.queuedMs))) {
    const promoted = await promoteNext(deps.store, deps.dispatcher, task.repository, task.target.number);
    if (promoted) report.promoted.push(promoted);
  }
  return report;
}
