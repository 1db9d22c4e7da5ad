/**
 * The task: one unit of agent work on one target (an issue or a pull request), and the state
 * machine every component moves it through. Pure: no I/O here.
 */

import type { RepoConfig } from './config.js';
import { TARGET_NAMES } from './target-names.js';

export type TaskStatus =
  'queued' | 'waiting' | 'dispatched' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

/**
 * Which statuses may follow which. `waiting` is a task queued behind another on the same target,
 * for one of its installation's slots, or for capacity (a dispatched task whose runner was refused
 * for capacity or quota goes back to wait rather than fail).
 */
const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  queued: ['dispatched', 'waiting', 'failed', 'cancelled'],
  waiting: ['queued', 'failed', 'cancelled'],
  dispatched: ['running', 'waiting', 'failed', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly taskId: string,
    readonly from: TaskStatus,
    readonly to: TaskStatus,
  ) {
    super(`task ${taskId}: cannot move from ${from} to ${to}`);
  }
}

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(taskId: string, from: TaskStatus, to: TaskStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(taskId, from, to);
}

export type WaitingFor = 'slot' | 'capacity';

export type TargetKind = 'issue' | 'pull_request';

export interface Target {
  kind: TargetKind;
  number: number;
}

/** What started a task. `text` holds the person's instructions, verbatim and untrusted. */
export type TriggerKind =
  | 'issue_label' // issues.labeled with the trigger label
  | 'issue_comment' // `/agent <instructions>` on an issue no task works on
  | 'plan' // the plan label, or `/agent plan [focus or feedback]` on an issue: a plan, no change
  | 'go' // `/agent go [more]` on an issue: the work, from its plan comment as it stands
  | 'pr_comment' // `/agent fix` (or `/agent <instructions>`) in a pull request conversation comment
  | 'review_comment' // `/agent fix` in an inline review comment
  | 'review' // a submitted review (changes requested, or `/agent fix` in its body)
  | 'retry' // the check run's Retry button or Re-run
  | 'ci_failure' // another app's checks failed on a Nightshift pull request
  | 'cli'; // `nightshift run` on the command line

export interface Trigger {
  kind: TriggerKind;
  text: string;
  /** The comment or review that carried the trigger, to react to and reply in. */
  commentId?: number;
  reviewId?: number;
  /** Who asked (pressed the button, wrote the comment); their permission is what the gate checks. */
  sender?: string;
  /** For issue_label and plan: the label that was applied (checked against the repository's config). */
  label?: string;
  /** A review with "changes requested" and no command: runs only where the config allows. */
  changesRequested?: boolean;
  /** For ci_failure and retry: the head commit the trigger was about. */
  headSha?: string;
  deliveryId?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Estimated from the price table; null when the model's price is unknown (never 0 by default). */
  costUsd: number | null;
  turns: number;
}

export const EMPTY_USAGE: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
  turns: 0,
};

export interface TaskResult {
  pullRequestNumber?: number;
  pullRequestUrl?: string;
  /**
   * This task opened the draft pull request (saying it is at work), on a new branch whose only
   * commit was `startingCommitSha`, or on one with earlier work (unset). An end without pushed
   * work closes it or says what happened (core/github/pull-request-at-end.ts).
   */
  draftOpened?: { startingCommitSha?: string };
  commitSha?: string;
  summary?: string;
  /** The one-line title the end was reported with (the check run's title). */
  headline?: string;
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out';
  /** Declined before any work (see Outcome.refused): counted apart from failures. */
  refused?: boolean;
}

export interface Task {
  id: string;
  /** `owner/name` */
  repository: string;
  installationId: number;
  target: Target;
  trigger: Trigger;
  /**
   * GitHub login of the responsible engineer: who labelled the issue, or who first started
   * Nightshift on the pull request. The pull request is assigned to them and waits for their review.
   */
  engineer: string;
  /**
   * Who triggered this task and is charged for its spend (core/requester.ts decides). Unset on
   * records from before it existed: read it with `requesterOf`.
   */
  requester?: string;
  /** The budget notice dispatch found (80% of a monthly budget spent), shown with the task. */
  budgetNotice?: string;
  status: TaskStatus;
  /**
   * 1 for a first task; a retry (Retry, Re-run) is its original's attempt + 1. CI-fix rounds are
   * separate tasks with attempt 1: their count per pull request is a store counter (`ciFix`).
   */
  attempt: number;
  /** The task this one retries, if any. */
  retryOf?: string;
  /** The business intent this task serves (e.g. one label on one issue); one live task per intent. */
  intentKey?: string;
  branch?: string;
  headSha?: string;
  checkRunId?: number;
  trackingCommentId?: number;
  runnerId?: string;
  /** SHA-256 of the nonce the agent shows to get installation tokens (core/task-token.ts). */
  tokenNonceHash?: string;
  /**
   * The repository configuration dispatch resolved and validated for this task, with the
   * installation's access (so an organisation-wide `_extends` file was reachable); the agent
   * task uses it rather than reading the file again with its one-repository token.
   */
  config?: RepoConfig;
  /**
   * Why a `waiting` task waits: unset, behind another task on its target; `slot`, for one of its
   * installation's slots (it holds its target's lock meanwhile); `capacity`, for the deployment's
   * cap or for the runner's capacity (it holds what it took; the sweeper sends it back to dispatch).
   */
  waitingFor?: WaitingFor;
  usage: Usage;
  result?: TaskResult;
  error?: string;
  /**
   * What the agent process said as it failed without ending the task (a missing setting, a
   * crash), redacted: whoever ends the task for it (functions/runner-stopped.ts) reports it.
   */
  exitReason?: string;
  cancelRequested: boolean;
  /** Lease: the running worker renews it; a lapsed lease means the worker died or hung. */
  leaseOwner?: string;
  leaseExpiresAt?: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  version: number;
}

export interface NewTask {
  repository: string;
  installationId: number;
  target: Target;
  trigger: Trigger;
  engineer: string;
  requester?: string;
  attempt?: number;
  retryOf?: string;
  branch?: string;
  headSha?: string;
}

/**
 * Whether the runner `runnerId` is the one working on the task: the lease holder once a runner
 * claimed it (a worker's lease owner starts with its runner id, `local:<pid>:…`), else the runner
 * dispatch recorded. An event that names no runner is taken as the task's own.
 */
export function runnerHoldsTask(task: Task, runnerId: string | undefined): boolean {
  if (runnerId === undefined) return true;
  if (task.leaseOwner) return task.leaseOwner === runnerId || task.leaseOwner.startsWith(`${runnerId}:`);
  return task.runnerId === undefined || task.runnerId === runnerId;
}

/** A stable key for the thing the task works on: one active task per target. */
export function targetKey(repository: string, target: Target): string {
  return `${repository.toLowerCase()}#${target.number}`;
}

export function targetLabel(task: Pick<Task, 'repository' | 'target'>): string {
  return `${task.repository}${TARGET_NAMES[task.target.kind].sigil}${task.target.number}`;
}
