/**
 * `review`: a submitted review with `/agent fix` in its body, or one that requests changes on a
 * Nightshift pull request, which runs only where the config's `reviewFix` allows. The agent gets
 * that review's inline comments.
 */
import type { RepoConfig } from '../config.js';
import type { Trigger } from '../task.js';
import { PERSON_ASKS, type Refusal, type TriggerKindSpec } from './kind.js';

export const review: TriggerKindSpec<'review'> = {
  ...PERSON_ASKS,
  kind: 'review',
  words: 'review',
  admit: async (task, config) => refuseReviewFix(task.trigger, config),
  defaultSubject: 'Address review comments',
  gathers: (trigger) => ({
    failingChecks: false,
    reviewThreads: trigger.reviewId
      ? { select: 'review', reviewId: trigger.reviewId }
      : { select: 'unreplied' },
  }),
};

/** Changes requested without a command, where the repository turned review fixes off. */
export function refuseReviewFix(trigger: Trigger, config: RepoConfig): Refusal | undefined {
  if (!trigger.changesRequested || trigger.text.trim() || config.reviewFix) return undefined;
  return {
    status: 'cancelled',
    outcome: { conclusion: 'neutral', headline: 'Review fixes are turned off (reviewFix: false)' },
  };
}
