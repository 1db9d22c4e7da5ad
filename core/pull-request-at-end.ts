/**
 * What a task that ended without a result leaves behind, and how to ask again, as pure decisions
 * and texts (core/github/end-pull-request.ts does the writes, TaskSurface says the rest).
 *
 * An issue task opens its draft pull request early, saying Nightshift is at work and will update
 * the description. When the task ends without pushing work (it failed, was cancelled, or found
 * nothing to change), that must stop being said: a branch holding nothing but the starting commit
 * is deleted and its pull request closed (the next attempt opens new ones); a branch holding
 * earlier work keeps its pull request, whose text then says what happened. A pull request the task
 * did not open, or one it finished (announced pushed work), is left as it is.
 *
 * Retry is offered only where it exists: the check run's button works while the check run sits on
 * an open pull request; otherwise the text says what does work (labelling the issue again, or
 * `/agent fix` on a pull request).
 */
import type { Outcome } from './report.js';
import type { Task } from './task.js';

export type PullRequestEnd = 'close' | 'explain' | 'keep';

/** What becomes of the draft pull request of an ended task (see the header). */
export function pullRequestAtEnd(task: Task): PullRequestEnd {
  const opened = task.result?.draftOpened;
  if (task.target.kind !== 'issue' || !opened || task.result?.pullRequestNumber === undefined) return 'keep';
  if (task.result.commitSha) return 'keep';
  const starting = opened.startingCommitSha;
  // The head the task last worked on; unset if it ended before showing a check run there.
  return starting && (task.headSha ?? starting) === starting ? 'close' : 'explain';
}

/** Whether the end offers to run the task again (a success does not). */
export function endsRetryable(outcome: Pick<Outcome, 'conclusion'>): boolean {
  return ['failure', 'cancelled', 'timed_out'].includes(outcome.conclusion);
}

/** Whether the concluded check run can carry a working Retry button. */
export function hasRetryButton(task: Task, outcome: Pick<Outcome, 'conclusion'>): boolean {
  return endsRetryable(outcome) && task.checkRunId !== undefined && pullRequestAtEnd(task) !== 'close';
}

function triggerLabel(task: Task): string {
  return task.config?.label ?? task.trigger.label ?? 'agent';
}

/** How to ask again, without the button. */
function askAgain(task: Task): string {
  return task.target.kind === 'issue'
    ? `remove the \`${triggerLabel(task)}\` label from issue #${task.target.number} and add it again`
    : `comment \`/agent fix\` on pull request #${task.target.number}`;
}

/**
 * The line that ends a report on the check run or the tracking comment: how to run the task again
 * (only what exists there), and what became of its pull request. Empty for a success.
 */
export function retryText(
  task: Task,
  outcome: Pick<Outcome, 'conclusion'>,
  place: 'check_run' | 'comment',
): string {
  const parts: string[] = [];
  const pull = task.result?.pullRequestNumber;
  if (pullRequestAtEnd(task) === 'close' && pull !== undefined) {
    parts.push(`Nothing was pushed, so the draft pull request #${pull} was closed and its branch deleted.`);
  }
  if (endsRetryable(outcome)) {
    const button = hasRetryButton(task, outcome);
    if (button && place === 'check_run') parts.push('Press **Retry** to run this task again.');
    else if (button && pull !== undefined)
      parts.push(
        `To run it again, press **Retry** on the \`nightshift\` check run of #${pull}, or ${askAgain(task)}.`,
      );
    else parts.push(`To run it again, ${askAgain(task)}.`);
  }
  return parts.join(' ');
}

const MAX_SUMMARY_CHARS = 3000;

function cut(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > MAX_SUMMARY_CHARS ? `${trimmed.slice(0, MAX_SUMMARY_CHARS)} …` : trimmed;
}

/** The body of a draft pull request closed because its task ended with nothing pushed. */
export function closedPullRequestBody(task: Task, outcome: Outcome): string {
  const why = outcome.summary ? `\n\n${cut(outcome.summary)}` : '';
  return (
    `Nightshift opened this draft for issue #${task.target.number} and ended without pushing any work: ` +
    `**${outcome.headline}**.${why}\n\nThe pull request was closed and its branch deleted; ` +
    `the tracking comment on the issue says more.`
  );
}

/** The body of a draft pull request kept (its branch has earlier work) when its task ended without a result. */
export function explainedPullRequestBody(task: Task, outcome: Outcome): string {
  const why = outcome.summary ? `\n\n${cut(outcome.summary)}` : '';
  const again = endsRetryable(outcome) ? `\n\n${retryText(task, outcome, 'comment')}` : '';
  return (
    `Closes #${task.target.number}\n\n` +
    `Nightshift's task for @${task.engineer} ended without pushing more work: **${outcome.headline}**. ` +
    `The branch holds what was pushed before.${why}${again}`
  );
}

/** The pull request's title without the "[WIP] " its draft was opened with. */
export function finishedTitle(title: string): string {
  return title.replace(/^\[WIP\]\s*/i, '');
}
