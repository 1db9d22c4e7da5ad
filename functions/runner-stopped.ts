/**
 * A runner (ECS task or local child process) stopped. If the task did not end itself, it failed:
 * mark it, conclude its check run, and start whatever waits on the target. Duplicate or late
 * events change nothing, because an ended task is left alone. An event that names its runner is
 * about the task only if that runner holds the task's lease (or, before a runner claimed it, is
 * the one dispatch started): a second copy that found the task taken and exited changes nothing.
 */
import type { Logger } from 'pino';
import { RepositoryGateway, type Octokit } from '../core/github/repository-gateway.js';
import { finishTask, promoteNext } from '../core/lifecycle.js';
import type { Dispatcher } from '../core/ports.js';
import type { TaskStore } from '../core/store/task-store.js';
import { isTerminal, type Task } from '../core/task.js';

export interface RunnerStoppedDeps {
  store: TaskStore;
  octokitFor(installationId: number): Promise<Octokit>;
  dispatcher: Dispatcher;
  log: Logger;
  secrets?: () => string[];
}

/**
 * Whether the runner `runnerId` is the one working on the task: the lease holder once a runner
 * claimed it (a worker's lease owner starts with its runner id, `local:<pid>:…`), else the runner
 * dispatch recorded. An event that names no runner is taken as the task's own.
 */
export function runnerHoldsTask(task: Task, runnerId: string | undefined): boolean {
  if (runnerId === undefined) return true;
  if (task.leaseOwner) return task.leaseOwner === runnerId || task.leaseOwner.startsWith(`${runnerId}:`);
  return task.runnerId === undefined || task.runnerId === runnerId;
}

export async function onRunnerStopped(
  deps: RunnerStoppedDeps,
  taskId: string,
  reason: string,
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
    deps.log.warn({ taskId, reason }, 'runner stopped before the task ended: failing it');
    const gateway = new RepositoryGateway(
      await deps.octokitFor(task.installationId),
      task.repository,
      deps.secrets,
    );
    await finishTask(deps.store, gateway, task, 'failed', {
      conclusion,
      headline:
        conclusion === 'timed_out' ? 'The agent stopped responding' : 'The agent stopped unexpectedly',
      summary: `The agent's container stopped before the task finished: ${reason}`,
    }).catch((error: unknown) => deps.log.error({ err: error, taskId }, 'could not report the failure'));
  }
  await promoteNext(deps.store, deps.dispatcher, task);
}
