/**
 * Intake's path for the `pull_request` events that are not triggers: what became of a pull request
 * Nightshift opened. Closed: merged or not, when, the time from its first task to the merge, how
 * many tasks and CI-fix rounds it took (from the store: its opening issue task(s) and the tasks on
 * the pull request). Pushed by a person: noted. Like all of intake it runs before the webhook is
 * answered, so it reads and writes the store only; an event about a pull request Nightshift did
 * not open finds no record and records nothing.
 */
import type { Logger } from 'pino';
import type { OutcomeDecision } from '../core/pull-request-event.js';
import type { PullRequestRecord } from '../core/pull-request-outcome.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { Task } from '../core/task.js';

export type OutcomeResult = { recorded: true } | { recorded: false; reason: string };

const NOT_OURS = 'not a pull request Nightshift opened';

export async function recordOutcome(
  deps: { store: TaskStore; log: Logger },
  repository: string,
  decision: OutcomeDecision,
): Promise<OutcomeResult> {
  const { store } = deps;
  if (decision.event === 'pushed') {
    const noted = await store.notePeoplePushed(repository, decision.number);
    return noted ? { recorded: true } : { recorded: false, reason: NOT_OURS };
  }
  const record = await store.pullRequest(repository, decision.number);
  if (!record) return { recorded: false, reason: NOT_OURS };
  const tasks = await tasksOf(store, record);
  const firstTaskAt = tasks.map((t) => t.createdAt).sort()[0] ?? record.firstTaskAt;
  const mergedAt = decision.merged ? decision.mergedAt : undefined;
  const recorded = await store.recordPullRequestClosed(repository, decision.number, {
    merged: decision.merged,
    closedAt: decision.closedAt,
    mergedAt,
    timeToMergeMs: mergedAt ? Math.max(0, Date.parse(mergedAt) - Date.parse(firstTaskAt)) : undefined,
    tasks: tasks.length,
    ciFixRounds: tasks.filter((t) => t.trigger.kind === 'ci_failure').length,
  });
  deps.log.info({ repository, pullRequest: decision.number, merged: decision.merged }, 'outcome recorded');
  return recorded ? { recorded: true } : { recorded: false, reason: NOT_OURS };
}

/** The tasks that worked on it: the issue task(s) that opened it and those on the pull request. */
async function tasksOf(store: TaskStore, record: PullRequestRecord): Promise<Task[]> {
  const [onIssue, onPullRequest] = await Promise.all([
    store.listByTarget(record.repository, record.issueNumber),
    store.listByTarget(record.repository, record.number),
  ]);
  const opened = onIssue.filter((t) => t.result?.pullRequestNumber === record.number);
  return [...opened, ...onPullRequest.filter((t) => t.target.kind === 'pull_request')].filter(
    (t) => !t.result?.refused,
  );
}
