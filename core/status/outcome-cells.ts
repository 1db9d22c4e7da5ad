/**
 * One line of the outcome figures (outcome-stats.ts) as the cells people read, the same in
 * `nightshift stats` and on the status page: `3 ✓ · 1 ✗ · 0 cancelled`, `50%`, `2h 05m`, `$4.20`.
 */
import { formatCost } from '../report.js';
import { formatDuration } from './format-duration.js';
import type { OutcomeLine } from './outcome-stats.js';

export const OUTCOME_HEADERS = [
  'Tasks',
  'PRs opened',
  'Merged',
  'Closed unmerged',
  'Merge rate',
  'Median time to merge',
  'Spend',
  'Cost per merged PR',
] as const;

const dash = '–';

export function percent(rate: number | null): string {
  return rate === null ? dash : `${Math.round(rate * 100)}%`;
}

export function outcomeCells(line: OutcomeLine): string[] {
  const { tasks, pullRequests: prs } = line;
  const taskParts = [
    `${tasks.succeeded} succeeded`,
    `${tasks.failed} failed`,
    `${tasks.cancelled} cancelled`,
  ];
  if (tasks.refused) taskParts.push(`${tasks.refused} refused`);
  if (tasks.running) taskParts.push(`${tasks.running} running`);
  const spend = formatCost(line.spendUsd);
  return [
    taskParts.join(' · '),
    String(prs.opened),
    String(prs.merged),
    String(prs.closedUnmerged),
    percent(line.mergeRate),
    line.medianTimeToMergeMs === null ? dash : formatDuration(line.medianTimeToMergeMs),
    line.unknownCostTasks > 0 ? `≥ ${spend}` : spend,
    line.costPerMergedPullRequestUsd === null ? dash : formatCost(line.costPerMergedPullRequestUsd),
  ];
}
