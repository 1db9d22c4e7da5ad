/** A runner that starts nothing: dispatch's side of the Runner contract only, recorded. */
import type { Runner } from '../../core/ports.js';
import type { Task } from '../../core/task.js';

export class RecordingRunner implements Runner {
  started: Task[] = [];
  stopped: string[] = [];
  async start(task: Task): Promise<string> {
    this.started.push(task);
    return `fake:${task.id}`;
  }
  async stop(runnerId: string): Promise<void> {
    this.stopped.push(runnerId);
  }
}
