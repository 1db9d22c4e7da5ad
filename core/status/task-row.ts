/**
 * One task as a row of the `nightshift tasks` table and the status page: the same columns in both.
 * Pure: the caller passes the clock.
 */
import { formatCost, formatTokens } from '../report.js';
import {
  isTerminal,
  targetLabel,
  type Task,
  type TaskStatus,
  type TriggerKind,
  type Usage,
} from '../task.js';
import { requesterOf, whoLabel } from '../requester.js';
import { formatDuration } from './format-duration.js';

export interface TaskRow {
  id: string;
  /** `owner/repo#12` for an issue, `owner/repo!34` for a pull request. */
  target: string;
  trigger: TriggerKind;
  /** The responsible engineer's login. */
  engineer: string;
  /** Who triggered the task and is charged for it (core/requester.ts). */
  requester: string;
  /** `alice`, or `alice (asked by bob)` where the requester is someone else. */
  who: string;
  status: TaskStatus;
  /** The status as shown: `running (cancelling)` while a cancel request is pending. */
  statusLabel: string;
  createdAt: string;
  durationMs: number;
  /** `2m 05s` */
  duration: string;
  turns: number;
  /** Input (cache reads and writes included) plus output tokens. */
  tokens: number;
  /** `12.3k` */
  tokensLabel: string;
  /** null when the model's price is unknown. */
  costUsd: number | null;
  /** `$0.42`, or `unknown` */
  cost: string;
  pullRequestUrl?: string;
}

/** Every token the task was billed for: input, cache reads, cache writes and output. */
export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens + usage.outputTokens;
}

/**
 * From the start (or creation, while it has not started) to the end (or now, while it runs). A
 * finished task without `finishedAt` ends at its last update.
 */
export function taskDurationMs(task: Task, now: Date): number {
  const start = Date.parse(task.startedAt ?? task.createdAt);
  const endIso = task.finishedAt ?? (isTerminal(task.status) ? task.updatedAt : undefined);
  const end = endIso === undefined ? now.getTime() : Date.parse(endIso);
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : 0;
}

export function statusLabel(task: Pick<Task, 'status' | 'cancelRequested'>): string {
  return task.cancelRequested && !isTerminal(task.status) ? `${task.status} (cancelling)` : task.status;
}

export function taskRow(task: Task, now: Date): TaskRow {
  const durationMs = taskDurationMs(task, now);
  const tokens = totalTokens(task.usage);
  return {
    id: task.id,
    target: targetLabel(task),
    trigger: task.trigger.kind,
    engineer: task.engineer,
    requester: requesterOf(task),
    who: whoLabel(task),
    status: task.status,
    statusLabel: statusLabel(task),
    createdAt: task.createdAt,
    durationMs,
    duration: formatDuration(durationMs),
    turns: task.usage.turns,
    tokens,
    tokensLabel: formatTokens(tokens),
    costUsd: task.usage.costUsd,
    // formatCost's long "unknown (no price for this model)" does not fit a column.
    cost: task.usage.costUsd === null ? 'unknown' : formatCost(task.usage.costUsd),
    ...(task.result?.pullRequestUrl ? { pullRequestUrl: task.result.pullRequestUrl } : {}),
  };
}
