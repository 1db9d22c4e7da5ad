/**
 * How a task ends and what follows: every path that ends a task comes through here, so the status
 * is terminal, the lock released (the store does it in the same write), the check run or tracking
 * comment concluded, and the next task waiting on the target started.
 */
import type { GitHubReporter } from './github/reporter.js';
import type { Dispatcher } from './ports.js';
import { finalOutput, trackingComment, type Outcome } from './report.js';
import {
  TaskFinishedError,
  VersionConflictError,
  type TaskChanges,
  type TaskStore,
} from './store/task-store.js';
import { isTerminal, type Task } from './task.js';

export type EndStatus = 'succeeded' | 'failed' | 'cancelled';

/** Move the task to a terminal status, retrying on a lost race; a task already ended is left alone. */
export async function endTask(
  store: TaskStore,
  task: Task,
  status: EndStatus,
  outcome: Outcome,
  changes: TaskChanges = {},
): Promise<Task | undefined> {
  let current = task;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (isTerminal(current.status)) return undefined;
    try {
      return await store.transition(current, status, {
        ...changes,
        ...(status !== 'succeeded' ? { error: outcome.summary ?? outcome.headline } : {}),
        result: {
          ...current.result,
          ...changes.result,
          conclusion: outcome.conclusion === 'action_required' ? 'neutral' : outcome.conclusion,
          headline: outcome.headline,
          ...(outcome.summary ? { summary: outcome.summary } : {}),
          ...(outcome.pullRequestUrl ? { pullRequestUrl: outcome.pullRequestUrl } : {}),
          ...(outcome.commitSha ? { commitSha: outcome.commitSha } : {}),
        },
      });
    } catch (error) {
      if (error instanceof TaskFinishedError) return undefined;
      if (!(error instanceof VersionConflictError)) throw error;
      current = await store.load(task.id);
    }
  }
  throw new Error(`task ${task.id}: could not end it after repeated concurrent updates`);
}

/** What an ended task's record says about its end, to say it again as it was said. */
export function outcomeOf(task: Task): Outcome {
  const fallback =
    task.status === 'succeeded' ? 'success' : task.status === 'cancelled' ? 'cancelled' : 'failure';
  const summary = task.result?.summary ?? task.error;
  return {
    conclusion: task.result?.conclusion ?? fallback,
    headline: task.result?.headline ?? task.status,
    ...(summary ? { summary } : {}),
  };
}

/** Conclude what a person sees: the check run if there is one, the tracking comment on an issue. */
export async function reportEnd(reporter: GitHubReporter, task: Task, outcome: Outcome): Promise<void> {
  const report = finalOutput(task, outcome);
  if (task.checkRunId) await reporter.concludeCheckRun(task.checkRunId, report);
  if (task.trackingCommentId || (task.target.kind === 'issue' && !task.checkRunId)) {
    await reporter.upsertComment(
      task.target.number,
      task,
      'tracking',
      trackingComment(task, { title: report.title, summary: report.summary }),
      task.trackingCommentId,
    );
  }
}

/** End the task and tell GitHub; reporting failures are logged by the caller, never lose the end. */
export async function finishTask(
  store: TaskStore,
  reporter: GitHubReporter | undefined,
  task: Task,
  status: EndStatus,
  outcome: Outcome,
  changes: TaskChanges = {},
): Promise<Task | undefined> {
  const ended = await endTask(store, task, status, outcome, changes);
  if (ended && reporter) await reportEnd(reporter, ended, outcome);
  return ended;
}

/** Start the oldest task waiting on this target, if the target is free. */
export async function promoteNext(
  store: TaskStore,
  dispatcher: Dispatcher,
  repository: string,
  targetNumber: number,
): Promise<string | undefined> {
  if (await store.lockHolder(repository, targetNumber)) return undefined;
  const next = (await store.listByTarget(repository, targetNumber)).find((t) => t.status === 'waiting');
  if (!next) return undefined;
  try {
    await store.transition(next, 'queued');
  } catch (error) {
    if (error instanceof VersionConflictError) return undefined; // someone else promoted it
    throw error;
  }
  await dispatcher.send({ type: 'dispatch', taskId: next.id });
  return next.id;
}
