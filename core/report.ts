/**
 * What Nightshift says on GitHub: check run outputs and tracking comments, as pure functions of
 * the task. The adapter in core/github/repository-gateway.ts posts them.
 */
import type { Progress } from './progress.js';
import { hasRetryButton, retryText } from './pull-request-at-end.js';
import { describeTarget } from './target-names.js';
import type { Task, Usage } from './task.js';

export const CHECK_RUN_NAME = 'nightshift';

/** Marks our own comments, so a retried post can find the one it already made. */
export function commentMarker(taskId: string, kind: string): string {
  return `<!-- nightshift:${kind}:${taskId} -->`;
}

export type Conclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out' | 'action_required';

export interface CheckRunAction {
  label: string;
  description: string;
  identifier: 'cancel' | 'retry';
}

export const CANCEL_ACTION: CheckRunAction = {
  label: 'Cancel',
  description: 'Stop this Nightshift task',
  identifier: 'cancel',
};
export const RETRY_ACTION: CheckRunAction = {
  label: 'Retry',
  description: 'Run this Nightshift task again',
  identifier: 'retry',
};

export function formatTokens(n: number): string {
  return n >= 1_000_000
    ? `${(n / 1_000_000).toFixed(1)}M`
    : n >= 1000
      ? `${(n / 1000).toFixed(1)}k`
      : String(n);
}

/** `$0.42`; a cost that rounds to nothing but is not nothing is `<$0.01`, never `$0.00`. */
export function formatCost(cost: number | null): string {
  if (cost === null) return 'unknown (no price for this model)';
  return cost > 0 && cost < 0.005 ? '<$0.01' : `$${cost.toFixed(2)}`;
}

export function usageLine(usage: Usage): string {
  const input = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  return (
    `${usage.turns} turns · ${formatTokens(input)} input tokens (${formatTokens(usage.cacheReadTokens)} from cache) · ` +
    `${formatTokens(usage.outputTokens)} output tokens · estimated cost ${formatCost(usage.costUsd)}`
  );
}

/** The budget notice dispatch recorded (80% of a monthly budget spent), after the summary. */
function withBudgetNotice(task: Task, summary: string): string {
  return task.budgetNotice ? `${summary}\n\n${task.budgetNotice}` : summary;
}

export function queuedOutput(task: Task, reason?: string): { title: string; summary: string } {
  return {
    title: reason ? 'Waiting' : 'Queued',
    summary: withBudgetNotice(
      task,
      reason ?? `Nightshift will start on ${describeTarget(task.target)} for @${task.engineer} shortly.`,
    ),
  };
}

/** The check run's title word for each phase, in the order a task goes through them. */
const PHASE_TITLES: Record<Progress['phase'], string> = {
  queued: 'Queued',
  preparing: 'Preparing',
  setup: 'Setting up',
  working: 'Working',
  verifying: 'Verifying',
  publishing: 'Publishing',
  done: 'Done',
};

/** `Preparing`, `Working · turn 3/60`: the turn once the agent has taken one. */
export function progressTitle(progress: Pick<Progress, 'phase' | 'turn' | 'maxTurns'>): string {
  const phase = PHASE_TITLES[progress.phase];
  if (progress.turn <= 0) return phase;
  return `${phase} · turn ${progress.maxTurns ? `${progress.turn}/${progress.maxTurns}` : progress.turn}`;
}

export function progressOutput(
  task: Task,
  progress: Progress,
): { title: string; summary: string; text?: string } {
  const actions = progress.lastActions.length
    ? `\n\n**Recent actions**\n${progress.lastActions.map((a) => `- \`${a.replace(/`/g, "'")}\``).join('\n')}`
    : '';
  return {
    title: progressTitle(progress),
    summary: withBudgetNotice(
      task,
      `Working on ${describeTarget(task.target)} for @${task.engineer}.\n\n${usageLine(progress.usage)}${actions}`,
    ),
    ...(progress.log ? { text: progress.log } : {}),
  };
}

export interface FinalReport {
  conclusion: Conclusion;
  title: string;
  summary: string;
  text?: string;
  /** The check run offers Retry (it works only while the run sits on an open pull request). */
  retryButton?: boolean;
}

export interface Outcome {
  conclusion: Conclusion;
  headline: string;
  summary?: string;
  details?: string;
  pullRequestUrl?: string;
  commitSha?: string;
  /** Nightshift declined to start the work (no permission, a fork, a kind's own check). */
  refused?: boolean;
}

/**
 * The end, as the check run (`place`, with a Retry button where one works) or the tracking comment
 * says it: only ways to run the task again that exist there (core/pull-request-at-end.ts).
 */
export function finalOutput(
  task: Task,
  outcome: Outcome,
  place: 'check_run' | 'comment' = 'check_run',
): FinalReport {
  const parts = [outcome.summary?.trim() || outcome.headline];
  if (outcome.pullRequestUrl) parts.push(`Pull request: ${outcome.pullRequestUrl}`);
  if (outcome.commitSha) parts.push(`Commit: ${outcome.commitSha}`);
  parts.push(usageLine(task.usage));
  if (task.budgetNotice) parts.push(task.budgetNotice);
  const again = retryText(task, outcome, place);
  if (again) parts.push(again);
  return {
    conclusion: outcome.conclusion,
    title: outcome.headline,
    summary: truncate(parts.join('\n\n'), 60_000),
    retryButton: hasRetryButton(task, outcome),
    ...(outcome.details ? { text: truncate(outcome.details, 60_000) } : {}),
  };
}

export function trackingComment(task: Task, state: { title: string; summary: string }): string {
  return `${commentMarker(task.id, 'tracking')}\n**Nightshift** · ${state.title}\n\n${state.summary}`;
}

export function refusalForFork(login: string): string {
  return (
    `@${login}, Nightshift can't work on this pull request: its branch lives in a fork, and Nightshift ` +
    `only pushes to branches in this repository. Push the branch here, or open an issue and label it.`
  );
}

export function invalidConfigMessage(errors: string[]): string {
  return (
    'Nightshift did not start: `.github/nightshift.yml` is invalid.\n\n' +
    errors.map((e) => `- ${e}`).join('\n') +
    '\n\nFix the file on the default branch and trigger Nightshift again.'
  );
}

/** `text` as a fenced code block, the fence longer than any run of backticks inside. */
export function codeBlock(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}

export function truncate(text: string, max: number): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max - 40)}\n\n[… ${text.length - max + 40} characters cut]`;
}
