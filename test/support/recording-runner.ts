/** A runner that starts nothing: dispatch's side of the Runner contract only, recorded. */
import type { Runner, RunnerStartHooks } from '../../core/ports.js';
import type { Task } from '../../core/task.js';

export class RecordingRunner implements Runner {
  started: Task[] = [];
  stopped: string[] = [];
  /** The token nonce dispatch handed over with each start, by task id. */
  nonces = new Map<string, string | undefined>();
  async start(task: Task, hooks: RunnerStartHooks = {}): Promise<string> {
    this.started.push(task);
    this.nonces.set(task.id, hooks.tokenNonce);
    return `fake:${task.id}`;
  }
  async stop(runnerId: string): Promise<void> {
    this.stopped.push(runnerId);
  }
}
