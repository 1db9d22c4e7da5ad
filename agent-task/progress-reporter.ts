/**
 * Live progress of a running task: the check run (or tracking comment) at most every 10 seconds,
 * the task record's usage at every turn (so `nightshift run`, `nightshift tasks` and the status
 * page show the turn the agent is on), and the progress log that `nightshift show` prints, each
 * message once. What reaches the store is redacted as what reaches GitHub is.
 *
 * Progress is shown in the background and never holds up the task: one post at a time, the
 * newest state replacing one that has not been posted yet (so a title never goes backwards), and
 * a state is posted only once it has lasted `settleMs` (one write interval), because GitHub's
 * writes are paced: a phase over sooner would only delay the writes that follow it. `close` ends
 * it before the task's last writes, so nothing of it lands after the end.
 */
import type { RepositoryGateway } from '../core/github/repository-gateway.js';
import type { Progress } from '../core/progress.js';
import { TaskSurface } from '../core/github/task-surface.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { Task } from '../core/task.js';
import type { TaskRecord } from './task-record.js';

export class ProgressReporter {
  private lastPost = Number.NEGATIVE_INFINITY;
  private lastLogged = '';
  private lastTurn = -1;
  private last: Progress | undefined;
  /** The newest state not posted yet. */
  private pending: Progress | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private posting: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly record: TaskRecord,
    private readonly store: TaskStore,
    private readonly gateway: RepositoryGateway,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly settleMs = 0,
    /** The session log as the check run's text shows it, rendered only when a post goes out. */
    private readonly sessionLog?: () => string,
  ) {}

  /** Record a phase change in the log now; it shows on GitHub whatever the throttle. */
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
    if (this.closed) return;
    const newTurn = progress.turn > this.lastTurn;
    this.lastTurn = Math.max(this.lastTurn, progress.turn);
    if (!force && this.now() - this.lastPost < this.intervalMs) {
      // GitHub hears at most every interval; the store (one small write) at every turn.
      if (newTurn) void this.record.update({ usage: progress.usage }).catch(() => undefined);
      return;
    }
    this.lastPost = this.now();
    this.pending = progress;
    // A newer state restarts the wait: the one it replaces did not last.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.send(), this.settleMs);
  }

  /** Wait for a post under way, so that a write made next cannot be overtaken by it. */
  async flush(): Promise<void> {
    await this.posting;
  }

  /**
   * No more progress: what was not posted yet is dropped, and a post under way is waited for, so
   * that the task's last writes (its result, its conclusion) come after every progress update.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.pending = undefined;
    await this.posting;
  }

  private send(): void {
    this.timer = undefined;
    if (this.posting || this.closed) return; // sent when the post under way is done
    const progress = this.pending;
    if (!progress) return;
    this.pending = undefined;
    this.posting = this.post(progress)
      .catch(() => undefined)
      .finally(() => {
        this.posting = undefined;
        if (this.pending && !this.timer) this.send();
      });
  }

  private async post(progress: Progress): Promise<void> {
    const task = await this.record.update({ usage: progress.usage });
    const log = this.sessionLog?.();
    await new TaskSurface(this.gateway).progress(task, log ? { ...progress, log } : progress);
  }
}
