/**
 * Live progress of a running task: the check run (or tracking comment) at most every 10 seconds,
 * the task record's usage at every turn (so `nightshift run`, `nightshift tasks` and the status
 * page show the turn the agent is on), and the progress log that `nightshift show` prints, each
 * message once. What reaches the store is redacted as what reaches GitHub is.
 */
import type { RepositoryGateway } from '../core/github/repository-gateway.js';
import type { Progress } from '../core/progress.js';
import { TaskSurface } from '../core/github/task-surface.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { Task } from '../core/task.js';
import type { TaskRecord } from './task-record.js';

export class ProgressReporter {
  private lastPost = 0;
  private lastLogged = '';
  private lastTurn = -1;
  private last: Progress | undefined;
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
    this.lastLogged = message;
    await this.store.appendLog(this.record.task.id, progress.phase, this.gateway.redact(message));
    this.report(progress, true);
  }

  /** Where the task is now: the last progress reported, or preparing when none was. */
  latest(task: Task): Progress {
    return this.last ?? { phase: 'preparing', turn: 0, lastActions: [], usage: task.usage };
  }

  report(reported: Progress, force = false): void {
    // Phases do not know the turn limit; the turns reported before them do.
    const progress = { ...reported, maxTurns: reported.maxTurns ?? this.last?.maxTurns };
    this.last = progress;
    const action = progress.lastActions.at(-1);
    if (action && action !== this.lastLogged) {
      this.lastLogged = action;
      const logged = this.gateway.redact(action);
      void this.store.appendLog(this.record.task.id, progress.phase, logged).catch(() => undefined);
    }
    const newTurn = progress.turn > this.lastTurn;
    this.lastTurn = Math.max(this.lastTurn, progress.turn);
    if (!force && this.now() - this.lastPost < this.intervalMs) {
      // GitHub hears at most every interval; the store (one small write) at every turn.
      if (newTurn) void this.record.update({ usage: progress.usage }).catch(() => undefined);
      return;
    }
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
