/**
 * The registry of trigger kinds: kind → the module that says everything about it. The mapped type
 * makes a kind missing here (or registered under another name) a compile error. Callers ask
 * `triggerKind(task.trigger.kind)` instead of branching on the kind.
 */
import type { TriggerKind } from '../task.js';
import { ciFailure } from './ci-failure.js';
import { cli } from './cli.js';
import { go } from './go.js';
import { issueComment } from './issue-comment.js';
import { issueLabel } from './issue-label.js';
import type { TriggerKindSpec } from './kind.js';
import { plan } from './plan.js';
import { prComment } from './pr-comment.js';
import { retry } from './retry.js';
import { reviewComment } from './review-comment.js';
import { review } from './review.js';

export type TriggerKindRegistry = { readonly [K in TriggerKind]: TriggerKindSpec<K> };

export const TRIGGER_KINDS: TriggerKindRegistry = {
  issue_label: issueLabel,
  issue_comment: issueComment,
  plan,
  go,
  pr_comment: prComment,
  review_comment: reviewComment,
  review,
  retry,
  ci_failure: ciFailure,
  cli,
};

export function triggerKind(kind: TriggerKind): TriggerKindSpec {
  return TRIGGER_KINDS[kind];
}

export type {
  Gathering,
  Recorded,
  Refusal,
  ReplyPlace,
  ReviewThreadSelection,
  TriggerKindSpec,
} from './kind.js';
