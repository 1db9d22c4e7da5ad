/**
 * `review`: a submitted review with `/agent fix` in its body, or one that requests changes on a
 * Nightshift pull request (only where `reviewFix` allows: dispatch checks `changesRequested`). The
 * agent gets that review's inline comments.
 */
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';

export const review: TriggerKindSpec<'review'> = {
  ...PERSON_ASKS,
  kind: 'review',
  gathers: (trigger) => ({
    failingChecks: false,
    reviewThreads: trigger.reviewId
      ? { select: 'review', reviewId: trigger.reviewId }
      : { select: 'unreplied' },
  }),
};
