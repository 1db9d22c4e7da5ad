/**
 * A runner (ECS task or local child process) stopped. If the task did not end itself, it failed:
 * mark it, conclude its check run, and start whatever waits on the target. Duplicate or late
 * events change nothing, because an ended task is left alone.
 */
import type { Logger } from 'pino';
import { GitHubReporter, type Octokit } from '../core/github/reporter.js';
import { finishTask, promoteNext } from '../core/lifecycle.js';
import type { Dispatcher } from '../core/ports.js';
import type { TaskStore } from '../core/store/task-store.js';
import { isTerminal } from '../core/task.js';

export interface RunnerStoppedDeps {
  store: TaskStore;
  octokitFor(installationId: number): Promise<Octokit>;
  dispatcher: Dispatcher;
  log: Logger;
  secrets?: () => string[];
}

export async function onRunnerStopped(
  deps: RunnerStoppedDeps,
  taskId: string,
  reason: string,
  conclusion: 'failure' | 'timed_out' = 'failure',
): Promise<void> {
  const task = await deps.store.get(taskId);
  if (!task) return;
  if (!isTerminal(task.status)) {
    deps.log.warn({ taskId, reason }, 'runner stopped before the task ended: failing it');
    const reporter = new GitHubReporter(
      await deps.octokitFor(task.installationId),
      task.repository,
      deps.secrets,
    );
    await finishTask(deps.store, reporter, task, 'failed', {
      conclusion,
      headline:
        conclusion === 'timed_out' ? 'The agent stopped responding' : 'The agent stopped unexpectedly',
      summary: `The agent's container stopped before the task finished: ${reason}`,
    }).catch((error: unknown) => deps.log.error({ err: error, taskId }, 'could not report the failure'));
  }
  await promoteNext(deps.store, deps.dispatcher, task.repository, task.target.number);
}
