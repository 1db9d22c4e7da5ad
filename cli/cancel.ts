/**
 * `nightshift cancel <task-id>`: sets the task's cancel flag. A running (or dispatched) task reads
 * it between turns; a queued or waiting task is cancelled when dispatch picks it up.
 */
import type { TaskStore } from '../core/store/task-store.js';
import { isTerminal } from '../core/task.js';
import type { CancelArgs } from './args.js';
import type { CliIo } from './io.js';

export interface CancelOutcome {
  /** `requested`: the flag is set; `finished`: the task had already ended, nothing changed. */
  kind: 'requested' | 'finished';
  message: string;
  exitCode: number;
}

export async function cancelTask(store: TaskStore, taskId: string): Promise<CancelOutcome> {
  const task = await store.load(taskId);
  if (isTerminal(task.status)) {
    return {
      kind: 'finished',
      message: `Task ${task.id} already ended (${task.status}); nothing to cancel.`,
      exitCode: task.status === 'cancelled' ? 0 : 1,
    };
  }
  await store.requestCancel(task.id);
  const message =
    task.status === 'queued' || task.status === 'waiting'
      ? `Task ${task.id} is ${task.status}: it will be cancelled when it is dispatched.`
      : `Cancel requested: task ${task.id} (${task.status}) stops at the agent's next turn.`;
  return { kind: 'requested', message, exitCode: 0 };
}

export async function cancelCommand(store: TaskStore, args: CancelArgs, io: CliIo): Promise<number> {
  const outcome = await cancelTask(store, args.taskId);
  (outcome.exitCode === 0 ? io.stdout : io.stderr).write(`${outcome.message}\n`);
  return outcome.exitCode;
}
