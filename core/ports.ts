/**
 * The ports between intake, dispatch and the agent container. Implementations live at the edges:
 * Lambda async invoke or an in-process queue for `Dispatcher`; ECS RunTask or a child process for
 * `Runner`.
 */
import type { Task } from './task.js';

export type DispatchMessage =
  | { type: 'dispatch'; taskId: string }
  | {
      type: 'cancel';
      repository: string;
      installationId: number;
      sender: string;
      /** Cancel this task (the check run's Cancel button)… */
      taskId?: string;
      /** …or whatever runs on this issue or PR (`/agent stop`). */
      targetNumber?: number;
      commentId?: number;
    }
  /** A person's `/agent <words>` for the task at work (core/messages.ts): check, acknowledge, route. */
  | { type: 'message'; repository: string; targetNumber: number; commentId: number };

/** Hands work to the dispatch step without waiting for it: the webhook must answer at once. */
export interface Dispatcher {
  send(message: DispatchMessage): Promise<void>;
}

/** Starts the agent container (or process) for one task; returns the runner's id. */
export interface RunnerStartHooks {
  /** A start attempt failed and will be tried again (capacity, throttling): tell the person why. */
  onRetry?(reason: string, attempt: number): Promise<void>;
  /**
   * The secret that binds the agent to this task when it asks for installation tokens
   * (core/task-token.ts); the task record keeps only its hash. A runner that answers tokens over
   * a channel of its own (the local runner) has no use for it.
   */
  tokenNonce?: string;
}

/** A runner alive now, as the runner itself knows it (not as the store says). */
export interface LiveRunner {
  runnerId: string;
  startedAt: Date;
  /** The task it was started for, where the runner knows it. */
  taskId?: string;
}

export interface Runner {
  start(task: Task, hooks?: RunnerStartHooks): Promise<string>;
  /** Stop a runner that hangs (its heartbeat lapsed); a runner already gone is not an error. */
  stop(runnerId: string, reason: string): Promise<void>;
  /**
   * Every agent runner of this deployment alive now (ECS tasks of the cluster, local children), so
   * the sweeper can stop one that has run past the hard maximum whatever the store says.
   */
  listLive?(): Promise<LiveRunner[]>;
}

export class RunnerStartError extends Error {
  override readonly name: string = 'RunnerStartError';
}

/**
 * No runner now for want of capacity or quota (Fargate capacity, the account's vCPU limit): not the
 * task's fault, so it waits and is tried again rather than failed. The message says why.
 */
export class RunnerCapacityError extends RunnerStartError {
  override readonly name = 'RunnerCapacityError';
}
