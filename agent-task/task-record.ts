/**
 * The running task's record, written from one place: progress, heartbeats and results queue
 * behind each other, and a lost race with another writer (dispatch recording the runner id, a
 * cancel request) is resolved by reloading and applying the change again.
 */
import type { TaskChanges, TaskStore } from '../core/store/task-store.js';
import { withFreshTask } from '../core/store/with-fresh-task.js';
import type { Task } from '../core/task.js';

export class TaskRecord {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: TaskStore,
    private current: Task,
  ) {}

  get task(): Task {
    return this.current;
  }

  update(changes: TaskChanges): Promise<Task> {
    const next = this.chain.then(() => this.apply(changes));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Re-read the record (for the cancel flag), keeping the newest version. */
  refresh(): Promise<Task> {
    const next = this.chain.then(async () => (this.current = await this.store.load(this.current.id)));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Wait for queued writes, so a final transition starts from the newest version. */
  async settle(): Promise<Task> {
    await this.chain;
    return this.current;
  }

  private apply(changes: TaskChanges): Promise<Task> {
    return withFreshTask(this.store, this.current, async (fresh) => {
      this.current = fresh; // the newest version read, even if this write loses too
      this.current = await this.store.update(fresh, changes);
      return this.current;
    });
  }
}
