/**
 * `pr_comment`: `/agent fix [what]` in a pull request's conversation. With instructions, the agent
 * does what was asked; a bare `/agent fix` means "fix what is wrong", so it reads the failing
 * checks and the unanswered review comments. The comment gets 👀, the answer a reply.
 */
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';

export const prComment: TriggerKindSpec<'pr_comment'> = {
  ...PERSON_ASKS,
  kind: 'pr_comment',
  words: '/agent fix',
  acknowledgeIn: 'issue_comment',
  gathers: (trigger, instructions) => ({
    failingChecks: !instructions,
    reviewThreads: trigger.text.trim() ? { select: 'none' } : { select: 'unreplied' },
  }),
};
