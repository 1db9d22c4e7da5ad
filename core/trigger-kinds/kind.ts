/**
 * What one trigger kind is: everything the rest of Nightshift asks about it, in one object. Each
 * kind has its own module next to this one and is registered in `index.ts`; adding a kind means
 * adding one module and one registry line, never a branch elsewhere.
 *
 * The decisions are pure data or pure functions; where a kind needs I/O (a retry reads the task it
 * retries, a CI fix spends from a budget) the function takes the narrow port it needs.
 */
import type { RepoConfig } from '../config.js';
import type { Outcome } from '../report.js';
import type { Target, Task, Trigger, TriggerKind } from '../task.js';
import type { TaskDecision } from '../triggers.js';

/** Which inline review comments the agent is given, to address and answer in their threads. */
export type ReviewThreadSelection =
  | { select: 'none' }
  /** Every comment that starts a thread and has no reply yet. */
  | { select: 'unreplied' }
  /** Only the comment that asked (none when the trigger has no comment id). */
  | { select: 'comment'; commentId: number | undefined }
  /** The comments of the review that asked. */
  | { select: 'review'; reviewId: number };

/** What is read from a pull request for the prompt, besides its title, body and merge state. */
export interface Gathering {
  failingChecks: boolean;
  reviewThreads: ReviewThreadSelection;
}

/** Where the task answers the person who asked, when it ends on a pull request. */
export type ReplyPlace = { in: 'review_thread'; commentId: number } | { in: 'conversation' };

/** A kind's own reason to end the task before it starts; `comment` is posted on the target. */
export interface Refusal {
  status: 'failed' | 'cancelled';
  outcome: Outcome;
  comment?: string;
}

/** What intake records for a trigger: usually the decision itself; a retry continues its original. */
export interface Recorded {
  target: Target;
  trigger: Trigger;
  engineer: string;
  retryOf?: string;
  attempt?: number;
}

export interface TriggerKindSpec<K extends TriggerKind = TriggerKind> {
  readonly kind: K;
  /** What started it, in the words people use: `label`, `/agent fix`, `CI failure` (status page). */
  readonly words: string;
  /**
   * Who may start it: a `person`, whose permission the dispatch gate checks (write, maintain or
   * admin, or the config's `allowedUsers`), or the `app` itself, with no gate.
   */
  readonly startedBy: 'person' | 'app';
  /**
   * Who answers for a pull request it targets: the first person who started Nightshift on it
   * (`first-to-ask`, claimed on first use), the one the original task had (`kept`), or only an
   * engineer already on record (`existingOnly`: the reason intake gives for no task otherwise).
   */
  readonly engineer: 'first-to-ask' | 'kept' | { existingOnly: string };
  /** The comment that asked gets 👀 at once, in this API; none for triggers without a comment. */
  readonly acknowledgeIn?: 'issue_comment' | 'review_comment';
  /** Intake: the task to record. Absent: the decision as it is. */
  record?(
    decision: TaskDecision,
    store: { get(taskId: string): Promise<Task | undefined> },
    deliveryId: string,
  ): Promise<Recorded | { ignored: string }>;
  /** Dispatch, once the config is valid: a refusal of this kind's own (another label, review fixes off, a spent budget). */
  admit?(
    task: Task,
    config: RepoConfig,
    counters: { increment(key: string): Promise<number> },
  ): Promise<Refusal | undefined>;
  /** The person's instructions in the trigger, before sanitizing ('' where the target is the brief). */
  instructions(trigger: Trigger): string;
  /** What to read from a pull request; `instructions` are the sanitized ones. */
  gathers(trigger: Trigger, instructions: string): Gathering;
  /** What the agent is asked on a pull request when the trigger gives no instructions. */
  readonly defaultInstructions: string;
  /** The commit's subject then, when the agent's summary does not give one (core/commit-message.ts). */
  readonly defaultSubject: string;
  /** Where the end is answered on a pull request. */
  replyTo(trigger: Trigger): ReplyPlace;
  /**
   * The task only plans (core/plan.ts): the agent explores read-only, nothing is committed or
   * pushed, and the plan is posted as the plan comment. Absent: it never only plans.
   */
  plans?(config: RepoConfig): boolean;
  /** The plan comment, as it stands on GitHub, is part of what the agent is given. */
  readonly readsPlan?: 'to revise' | 'to carry out';
}

export const FIX_EVERYTHING =
  'Fix what is wrong with this pull request: failing checks first, then unresolved review comments, then merge conflicts.';

/** What most kinds share: a person asks, in words, and is answered in the conversation. */
export const PERSON_ASKS = {
  startedBy: 'person',
  engineer: 'first-to-ask',
  instructions: (trigger: Trigger) => trigger.text,
  gathers: () => ({ failingChecks: false, reviewThreads: { select: 'none' } }),
  defaultInstructions: FIX_EVERYTHING,
  defaultSubject: 'Fix failing checks and review comments',
  replyTo: () => ({ in: 'conversation' }),
} as const satisfies Omit<TriggerKindSpec, 'kind' | 'words'>;
