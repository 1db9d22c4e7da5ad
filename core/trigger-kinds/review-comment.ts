/**
 * `review_comment`: `/agent fix [what]` in an inline review comment. The agent gets that comment's
 * thread; the comment gets 👀 and the answer goes into its thread.
 */
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';

export const reviewComment: TriggerKindSpec<'review_comment'> = {
  ...PERSON_ASKS,
  kind: 'review_comment',
  words: '/agent fix (inline)',
  acknowledgeIn: 'review_comment',
  defaultSubject: 'Address a review comment',
  gathers: (trigger) => ({
    failingChecks: false,
    reviewThreads: { select: 'comment', commentId: trigger.commentId },
  }),
  replyTo: (trigger) =>
    trigger.commentId ? { in: 'review_thread', commentId: trigger.commentId } : { in: 'conversation' },
};
