/**
 * Live progress of a running task: the check run (or tracking comment) at most every 10 seconds,
 * the task record's usage, and the progress log that `nightshift show` prints. What reaches the
 * store is redacted as what reaches GitHub is.
 */
import type { RepositoryGateway } from '../core/github/repository-gateway.js';
import type { Progress } from '../core/progress.js';
import { TaskSurface } from '../core/github/task-surface.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { TaskRecord } from './task-record.js';

export class ProgressReporter {
  private lastPost = 0;
  private lastLogged = '';
  private posting: Promise<void> = Promise.resolve();

  constructor(
    private readonly record: TaskRecord,
    private readonly store: TaskStore,
    private readonly gateway: RepositoryGateway,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Record a phase change in the log now, whatever the throttle. */
  async phase(progress: Progress, message: string): Promise<void> {
    await this.store.appendLog(this.record.task.id, progress.phase, this.gateway.redact(message));
    this.report(progress, true);
  }

  report(progress: Progress, force = false): void {
    const action = progress.lastActions.at(-1);
    if (action && action !== this.lastLogged) {
      this.lastLogged = action;
      const logged = this.gateway.redact(action);
      void this.store.appendLog(this.record.task.id, progress.phase, logged).catch(() => undefined);
    }
    if (!force && this.now() - this.lastPost < this.intervalMs) return;
    this.lastPost = this.now();
    this.posting = this.posting.then(() => this.post(progress)).catch(() => undefined);
  }

  /** Wait for the last post, so the final report is not overtaken by a late progress update. */
  async flush(): Promise<void> {
    await this.posting;
  }

  private async post(progress: Progress): Promise<void> {
    const task = await this.record.update({ usage: progress.usage });
    await new TaskSurface(this.gateway).progress(task, progress);
  }
}
