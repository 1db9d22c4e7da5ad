/**
 * Nothing runs for ever: a task's `limits.minutes` is capped by the deployment's maximum
 * (NIGHTSHIFT_MAX_TASK_MINUTES), and any agent runner alive longer than that maximum plus a grace
 * (the clone, the setup commands and publishing come on top of the agent's minutes) is stopped,
 * whatever the store says: the runners are listed from where they run (the cluster's ECS tasks,
 * the local children), not from the task records, so a runner whose record was lost or already
 * ended is found too. Its task, if still live, is ended first, so that the person sees why.
 */
import type { LiveRunner, Runner } from '../../core/ports.js';
import { isTerminal } from '../../core/task.js';
import { onRunnerStopped, type RunnerStoppedDeps } from '../runner-stopped.js';
import { stopRunner } from './stop-runner.js';

/** On top of the maximum: the clone, setup commands (setupTimeoutMinutes) and publishing. */
export const OVERDUE_GRACE_MINUTES = 30;

export interface OverdueDeps extends RunnerStoppedDeps {
  runner: Pick<Runner, 'stop' | 'listLive'>;
}

/** The runners alive for longer than `maxMinutes` + the grace at `now`. */
export function overdue(live: LiveRunner[], now: Date, maxMinutes: number): LiveRunner[] {
  const limitMs = (maxMinutes + OVERDUE_GRACE_MINUTES) * 60_000;
  return live.filter((r) => now.getTime() - r.startedAt.getTime() > limitMs);
}

/** Stop every overdue runner; returns the ids of those stopped. */
export async function stopOverdue(deps: OverdueDeps, now: Date, maxMinutes: number): Promise<string[]> {
  if (!deps.runner.listLive) return [];
  const reason =
    `it ran longer than the deployment's maximum of ${maxMinutes} minutes ` +
    `(NIGHTSHIFT_MAX_TASK_MINUTES) and ${OVERDUE_GRACE_MINUTES} minutes' grace`;
  const stopped: string[] = [];
  for (const runner of overdue(await deps.runner.listLive(), now, maxMinutes)) {
    deps.log.warn(
      { runnerId: runner.runnerId, taskId: runner.taskId, reason },
      'sweep: stopping an overdue runner',
    );
    const task = runner.taskId ? await deps.store.get(runner.taskId) : undefined;
    if (task && !isTerminal(task.status)) {
      await onRunnerStopped(deps, task.id, reason, 'timed_out', runner.runnerId).catch((error: unknown) =>
        deps.log.error({ err: error, taskId: task.id }, 'sweep: could not end an overdue task'),
      );
    }
    if (await stopRunner(deps.runner, deps.log, runner.runnerId, `Nightshift: ${reason}`.slice(0, 255)))
      stopped.push(runner.runnerId);
  }
  return stopped;
}
