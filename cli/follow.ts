/**
 * Follow one task until it ends: poll its record and progress log (every second by default) and
 * report each poll. Returns the task as last read: terminal, or whatever it was when `signal` aborted.
 */
import type { LogEntry, TaskStore } from '../core/store/task-store.js';
import { type Task, isTerminal } from '../core/task.js';
import { sleep } from '../core/sleep.js';

export interface FollowUpdate {
  task: Task;
  log: LogEntry[];
}

export interface FollowOptions {
  /** Told of each poll; a poll waits for what it returns. */
  onUpdate?: (update: FollowUpdate) => unknown;
  intervalMs?: number;
  /** Stop following (the task itself goes on). */
  signal?: AbortSignal;
  /** Store errors in a row tolerated (a restarting server) before giving up; default 10. */
  maxConsecutiveErrors?: number;
}

export async function follow(store: TaskStore, taskId: string, options: FollowOptions = {}): Promise<Task> {
  const intervalMs = options.intervalMs ?? 1000;
  const maxErrors = options.maxConsecutiveErrors ?? 10;
  let last: Task | undefined;
  let errors = 0;
  for (;;) {
    try {
      const task = await store.load(taskId);
      const log = await store.readLog(taskId);
      errors = 0;
      last = task;
      await options.onUpdate?.({ task, log });
      if (isTerminal(task.status)) return task;
    } catch (error) {
      if (++errors >= maxErrors || last === undefined) throw error;
    }
    if (options.signal?.aborted) return last;
    await sleep(intervalMs, options.signal);
    if (options.signal?.aborted) return last;
  }
}
