/**
 * Plan first (trigger kinds `plan` and `go`): what the one plan comment says, how the plan
 * is read back from it (people may edit it), and what the agent is told about a plan. Pure.
 */
import { usageLine } from './report.js';
import type { Usage } from './task.js';

/** The plan comment's marker: one per issue, found again to be revised and read by `/agent go`. */
export const PLAN_MARKER = '<!-- nightshift:plan -->';
/** Where the plan ends and Nightshift's footer begins. */
const PLAN_END = '<!-- nightshift:plan-end -->';

/** The sections the agent's plan has, in order (the plan prompt asks for them as headings). */
export const PLAN_SECTIONS = [
  'What I understood',
  'Steps',
  'Files I expect to change',
  'How I will verify',
  'Open questions',
] as const;

/** The plan comment: the agent's plan, then what it cost so far and what a person can do next. */
export function planCommentBody(plan: string, usage: Usage, revised: boolean): string {
  return [
    PLAN_MARKER,
    `## Nightshift's plan${revised ? ' (revised)' : ''}`,
    '',
    plan.trim() || '(The agent gave no plan.)',
    '',
    PLAN_END,
    '---',
    `Spend so far: ${usageLine(usage)}. Nothing was changed, committed or pushed.`,
    '',
    'Edit this comment to change the plan. Comment `/agent go [more instructions]` to start the work ' +
      'with the plan as it stands then, or `/agent plan <feedback>` to have it revised.',
  ].join('\n');
}

/** Two tasks' usage together; an unknown cost makes the sum unknown (never taken for zero). */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    costUsd: a.costUsd === null || b.costUsd === null ? null : a.costUsd + b.costUsd,
    turns: a.turns + b.turns,
  };
}

/** The plan as it stands in the comment: between the heading and the footer, as people left it. */
export function planFromComment(body: string): string {
  const withoutMarker = body.replace(PLAN_MARKER, '');
  const end = withoutMarker.indexOf(PLAN_END);
  const plan = end === -1 ? withoutMarker : withoutMarker.slice(0, end);
  return plan.replace(/^\s*## Nightshift's plan[^\n]*\n/, '').trim();
}

/**
 * The instructions of a task that reads the plan: the plan as it stands, then the person's words
 * (feedback for a revision, more instructions for the work).
 */
export function withPlan(use: 'to revise' | 'to carry out', plan: string | undefined, words: string): string {
  if (!plan) return words;
  const asked =
    use === 'to revise'
      ? 'Revise this plan (the current plan comment on the issue)'
      : 'Carry out this plan (the plan comment on the issue, as people left it)';
  const more = words.trim()
    ? `\n\n${use === 'to revise' ? 'Feedback' : 'More instructions'}:\n${words.trim()}`
    : '';
  return `${asked}:\n\n${plan}${more}`;
}
