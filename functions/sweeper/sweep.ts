/**
 * The sweeper: nothing stays in flight forever. On AWS a scheduled Lambda runs it every few
 * minutes; locally a timer in the server does.
 *  - queued too long (recorded, dispatch lost): dispatched again; after an hour, failed, and the
 *    person told where they look (the tracking comment);
 *  - dispatched but never claimed by a runner: failed, and the target's queue moves on;
 *  - running with a lapsed heartbeat (hung or vanished): concluded `timed_out`, runner stopped;
 *  - waiting on a target nobody holds, or for a slot of an installation with one free: promoted;
 *  - waiting for capacity (the deployment's cap, Fargate capacity or quota): sent back to dispatch;
 *  - any agent runner alive past the deployment's hard maximum: stopped (stop-overdue.ts).
 * A stop that fails is an alarm (stop-runner.ts), never swallowed.
 */
import { RepositoryGateway } from '../../core/github/repository-gateway.js';
import { finishTask, promoteCapacityWaiters, promoteNext } from '../../core/lifecycle.js';
import type { Runner } from '../../core/ports.js';
import type { Task } from '../../core/task.js';
import { onRunnerStopped, type RunnerStoppedDeps } from '../runner-stopped.js';
import { stopOverdue } from './stop-overdue.js';
import { stopRunner } from './stop-runner.js';

export interface SweepDeps extends RunnerStoppedDeps {
  runner: Pick<Runner, 'stop' | 'listLive'>;
  now?: () => Date;
  /** The deployment's maximum of `limits.minutes` (NIGHTSHIFT_MAX_TASK_MINUTES). */
  maxTaskMinutes?: number;
}

export const DEFAULT_MAX_TASK_MINUTES = 120;

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
  /** Runners stopped for running past the hard maximum. */
  stopped: string[];
}

export async function sweep(
  deps: SweepDeps,
  limits: SweepLimits = DEFAULT_SWEEP_LIMITS,
): Promise<SweepReport> {
  const now = (deps.now ?? (() => new Date()))();
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const report: SweepReport = { redispatched: [], failed: [], timedOut: [], promoted: [], stopped: [] };
  /** One task's trouble (GitHub down for it, a lost race) must not stop the sweep of the others. */
  const each = async (task: Task, step: () => Promise<void>) => {
    await step().catch((error: unknown) =>
      deps.log.error({ err: error, taskId: task.id }, 'sweep: could not handle the task'),
    );
  };

  for (const task of await deps.store.listStale('queued', ago(limits.queuedMs))) {
    await each(task, async () => {
      if (task.createdAt < ago(limits.giveUpMs)) {
        const gateway = await gatewayFor(deps, task);
        await finishTask(deps.store, gateway, task, 'failed', {
          conclusion: 'failure',
          headline: 'Nightshift could not start',
          summary: 'The task was recorded but never dispatched within an hour. Ask again to retry.',
        });
        report.failed.push(task.id);
      } else {
        await deps.dispatcher.send({ type: 'dispatch', taskId: task.id });
        report.redispatched.push(task.id);
      }
    });
  }
  for (const task of await deps.store.listStale('dispatched', ago(limits.dispatchedMs))) {
    await each(task, async () => {
      // Ended first, so a runner that starts late finds its task gone and exits without work.
      await onRunnerStopped(deps, task.id, 'the runner never started the task');
      if (task.runnerId) await stopRunner(deps.runner, deps.log, task.runnerId, 'never claimed its task');
      report.failed.push(task.id);
    });
  }
  for (const task of await deps.store.listStale('running', now.toISOString())) {
    // A lease is renewed while the worker lives; one never set (a worker that died before its
    // first heartbeat) counts from the task's last update.
    const lapsed = task.leaseExpiresAt
      ? task.leaseExpiresAt <= now.toISOString()
      : task.updatedAt < ago(limits.dispatchedMs);
    if (!lapsed) continue;
    await each(task, async () => {
      // Concluded first, then stopped: a hung worker that wakes finds its task ended and stops
      // writing (the store refuses updates to an ended task) before it pushes or comments.
      await onRunnerStopped(
        deps,
        task.id,
        'its heartbeat lapsed: the agent hung or its container vanished',
        'timed_out',
      );
      if (task.runnerId) await stopRunner(deps.runner, deps.log, task.runnerId, 'heartbeat lapsed');
      report.timedOut.push(task.id);
    });
  }
  for (const task of await deps.store.listStale('waiting', ago(limits.queuedMs))) {
    if (task.waitingFor === 'capacity') continue; // below, all at once
    await each(task, async () => {
      const promoted = await promoteNext(deps.store, deps.dispatcher, task);
      if (promoted) report.promoted.push(promoted);
    });
  }
  // Capacity may have come back (or the quota been raised): each waiter tries again.
  const retried = await promoteCapacityWaiters(
    deps.store,
    deps.dispatcher,
    Number.POSITIVE_INFINITY,
    ago(limits.queuedMs),
  ).catch((error: unknown) => {
    deps.log.error({ err: error }, 'sweep: could not retry the tasks waiting for capacity');
    return [];
  });
  report.promoted.push(...retried);
  // Last, and not caught: a runner list that cannot be read fails the sweep, which is an alarm.
  report.stopped = await stopOverdue(deps, now, deps.maxTaskMinutes ?? DEFAULT_MAX_TASK_MINUTES);
  return report;
}

async function gatewayFor(deps: SweepDeps, task: Task): Promise<RepositoryGateway | undefined> {
  try {
    return new RepositoryGateway(await deps.octokitFor(task.installationId), task.repository, deps.secrets);
  } catch (error) {
    deps.log.warn({ err: error, taskId: task.id }, 'sweep: no GitHub access for the task; ending it quietly');
    return undefined;
  }
}
