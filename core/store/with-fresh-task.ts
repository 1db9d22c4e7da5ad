/**
 * Optimistic concurrency, the caller's half. A task write names the version it was computed from
 * and loses (VersionConflictError) when another writer got there first; the answer is always the
 * same: load the newest version, decide again on it, and try again. `withFreshTask` is that loop,
 * bounded and jittered (retry.ts), for every caller.
 */
import type { Task } from '../task.js';
import { type RetryOptions, retrying } from './retry.js';
import { type TaskStore, VersionConflictError } from './task-store.js';

/** Attempts by default, the first included: a task has only a few writers at once. */
export const FRESH_TASK_ATTEMPTS = 5;

/**
 * Run `attempt` on the task (given, or loaded by id) and, each time it throws VersionConflictError,
 * on a freshly loaded version. `attempt` sees each version, so it decides again on each one
 * (e.g. "it has ended: leave it"). Throws RetriesExhaustedError when it keeps losing, and
 * whatever else `attempt` or `load` throws (TaskNotFoundError, TaskFinishedError, …).
 */
export async function withFreshTask<T>(
  store: Pick<TaskStore, 'load'>,
  task: Task | string,
  attempt: (task: Task) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const taskId = typeof task === 'string' ? task : task.id;
  let current = typeof task === 'string' ? undefined : task;
  return retrying(
    `task ${taskId}`,
    async (n) => {
      if (current === undefined || n > 0) current = await store.load(taskId);
      return { retry: false, value: await attempt(current) };
    },
    {
      attempts: FRESH_TASK_ATTEMPTS,
      ...options,
      isRetryable: (error) => error instanceof VersionConflictError,
    },
  );
}
