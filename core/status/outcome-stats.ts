/**
 * The figures an engineering lead asks for, per repository and per person, over a period: tasks
 * (succeeded, failed, cancelled; refusals apart), pull requests opened, merged and closed unmerged,
 * the merge rate (merged of those decided), the median time from a pull request's first task to
 * its merge, the spend, and the cost per merged pull request. Pure: tasks created and pull
 * requests opened in the period come from the store (`nightshift stats`, the status page).
 *
 * Per person, a task and its spend count for whoever asked for it (the requester), a pull request
 * for its responsible engineer. A task whose cost is unknown (no price) is counted apart, never as 0.
 */
import type { PullRequestRecord } from '../pull-request-outcome.js';
import { requesterOf } from '../requester.js';
import type { Task } from '../task.js';

export interface OutcomeLine {
  /** The repository (`owner/name`), the person's login, or `all`. */
  key: string;
  tasks: { succeeded: number; failed: number; cancelled: number; refused: number; running: number };
  pullRequests: { opened: number; merged: number; closedUnmerged: number; open: number };
  /** Merged of those merged or closed unmerged; null when none is decided yet. */
  mergeRate: number | null;
  medianTimeToMergeMs: number | null;
  spendUsd: number;
  /** Tasks whose cost is unknown (no price for their model): the spend is at least `spendUsd`. */
  unknownCostTasks: number;
  costPerMergedPullRequestUsd: number | null;
}

export interface OutcomeStats {
  /** The period's start (ISO time). */
  since: string;
  repository?: string;
  total: OutcomeLine;
  /** Most spend first, then by name. */
  byRepository: OutcomeLine[];
  byEngineer: OutcomeLine[];
}

interface Accumulator {
  key: string;
  tasks: OutcomeLine['tasks'];
  pullRequests: OutcomeLine['pullRequests'];
  timesToMerge: number[];
  spendUsd: number;
  unknownCostTasks: number;
}

const empty = (key: string): Accumulator => ({
  key,
  tasks: { succeeded: 0, failed: 0, cancelled: 0, refused: 0, running: 0 },
  pullRequests: { opened: 0, merged: 0, closedUnmerged: 0, open: 0 },
  timesToMerge: [],
  spendUsd: 0,
  unknownCostTasks: 0,
});

function addTask(acc: Accumulator, task: Task): void {
  if (task.result?.refused) acc.tasks.refused += 1;
  else if (task.status === 'succeeded' || task.status === 'failed' || task.status === 'cancelled')
    acc.tasks[task.status] += 1;
  else acc.tasks.running += 1;
  if (task.usage.costUsd === null) acc.unknownCostTasks += 1;
  else acc.spendUsd += task.usage.costUsd;
}

function addPullRequest(acc: Accumulator, pull: PullRequestRecord): void {
  acc.pullRequests.opened += 1;
  if (pull.state === 'merged') {
    acc.pullRequests.merged += 1;
    if (pull.timeToMergeMs !== undefined) acc.timesToMerge.push(pull.timeToMergeMs);
  } else if (pull.state === 'closed') acc.pullRequests.closedUnmerged += 1;
  else acc.pullRequests.open += 1;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function line(acc: Accumulator): OutcomeLine {
  const { merged, closedUnmerged } = acc.pullRequests;
  return {
    key: acc.key,
    tasks: acc.tasks,
    pullRequests: acc.pullRequests,
    mergeRate: merged + closedUnmerged > 0 ? merged / (merged + closedUnmerged) : null,
    medianTimeToMergeMs: median(acc.timesToMerge),
    spendUsd: acc.spendUsd,
    unknownCostTasks: acc.unknownCostTasks,
    costPerMergedPullRequestUsd: merged > 0 ? acc.spendUsd / merged : null,
  };
}

export function outcomeStats(
  tasks: readonly Task[],
  pulls: readonly PullRequestRecord[],
  options: { since: string; repository?: string },
): OutcomeStats {
  const wanted = (repository: string) =>
    options.repository === undefined || repository.toLowerCase() === options.repository.toLowerCase();
  const total = empty('all');
  const repositories = new Map<string, Accumulator>();
  const people = new Map<string, Accumulator>();
  const at = (map: Map<string, Accumulator>, key: string) => {
    let acc = map.get(key.toLowerCase());
    if (!acc) map.set(key.toLowerCase(), (acc = empty(key)));
    return acc;
  };
  for (const task of tasks) {
    if (task.createdAt < options.since || !wanted(task.repository)) continue;
    for (const acc of [total, at(repositories, task.repository), at(people, requesterOf(task))])
      addTask(acc, task);
  }
  for (const pull of pulls) {
    if (pull.openedAt < options.since || !wanted(pull.repository)) continue;
    for (const acc of [total, at(repositories, pull.repository), at(people, pull.engineer)])
      addPullRequest(acc, pull);
  }
  const sorted = (map: Map<string, Accumulator>) =>
    [...map.values()].map(line).sort((a, b) => b.spendUsd - a.spendUsd || a.key.localeCompare(b.key));
  return {
    since: options.since,
    ...(options.repository ? { repository: options.repository } : {}),
    total: line(total),
    byRepository: sorted(repositories),
    byEngineer: sorted(people),
  };
}
