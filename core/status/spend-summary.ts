/**
 * Token spend and estimated cost per repository and per person charged (the requester) over the last 7 and 30 days, by
 * the tasks' creation time. A task whose model has no price (cost null) is counted as unknown,
 * never as zero: its total reads "≥ $x (some unknown)".
 */
import { formatCost } from '../report.js';
import type { Task } from '../task.js';
import { requesterOf } from '../requester.js';
import { totalTokens } from './task-row.js';

export interface SpendTotals {
  tasks: number;
  tokens: number;
  /** The sum of the known costs. */
  costUsd: number;
  /** Tasks whose cost is unknown (no price for their model). */
  unknownCostTasks: number;
}

export interface SpendWindows {
  last7Days: SpendTotals;
  last30Days: SpendTotals;
}

export interface SpendLine extends SpendWindows {
  /** The repository (`owner/name`) or the engineer's login. */
  key: string;
}

export interface SpendSummary {
  /** Highest 30-day cost first, then most tokens, then by name. */
  byRepository: SpendLine[];
  byEngineer: SpendLine[];
  total: SpendWindows;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const emptyTotals = (): SpendTotals => ({ tasks: 0, tokens: 0, costUsd: 0, unknownCostTasks: 0 });
const emptyWindows = (): SpendWindows => ({ last7Days: emptyTotals(), last30Days: emptyTotals() });

function add(totals: SpendTotals, task: Task): void {
  totals.tasks += 1;
  totals.tokens += totalTokens(task.usage);
  if (task.usage.costUsd === null) totals.unknownCostTasks += 1;
  else totals.costUsd += task.usage.costUsd;
}

function lines(map: Map<string, SpendWindows>): SpendLine[] {
  return [...map.entries()]
    .map(([key, windows]) => ({ key, ...windows }))
    .sort(
      (a, b) =>
        b.last30Days.costUsd - a.last30Days.costUsd ||
        b.last30Days.tokens - a.last30Days.tokens ||
        a.key.localeCompare(b.key),
    );
}

export function spendSummary(tasks: readonly Task[], now: Date): SpendSummary {
  const byRepository = new Map<string, SpendWindows>();
  const byEngineer = new Map<string, SpendWindows>();
  const total = emptyWindows();
  for (const task of tasks) {
    const age = now.getTime() - Date.parse(task.createdAt);
    if (!Number.isFinite(age) || age > 30 * DAY_MS) continue;
    for (const windows of [
      total,
      getOrCreate(byRepository, task.repository),
      getOrCreate(byEngineer, requesterOf(task)),
    ]) {
      add(windows.last30Days, task);
      if (age <= 7 * DAY_MS) add(windows.last7Days, task);
    }
  }
  return { byRepository: lines(byRepository), byEngineer: lines(byEngineer), total };
}

/** `$1.23`, or `≥ $1.23 (some unknown)` when some task's cost is unknown. */
export function formatSpendCost(totals: SpendTotals): string {
  const known = formatCost(totals.costUsd);
  return totals.unknownCostTasks > 0 ? `≥ ${known} (some unknown)` : known;
}

function getOrCreate(map: Map<string, SpendWindows>, key: string): SpendWindows {
  let windows = map.get(key);
  if (!windows) map.set(key, (windows = emptyWindows()));
  return windows;
}
