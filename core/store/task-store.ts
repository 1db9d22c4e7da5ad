/**
 * The port every component uses to keep task state. One implementation (DynamoDB), which the
 * embedded store (dynalite) also serves locally and in tests.
 */
import type { BudgetScope } from '../budget.js';
import type { PullRequestClosing, PullRequestOpening, PullRequestRecord } from '../pull-request-outcome.js';
import type { SessionEntry, StoredSessionEntry } from '../session-log/entries.js';
import type { NewTask, Target, Task, TaskStatus } from '../task.js';

export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly taskId: string,
    readonly expectedVersion: number,
  ) {
    super(`task ${taskId} changed since version ${expectedVersion}: reload and try again`);
  }
}

export class TaskNotFoundError extends Error {
  override readonly name = 'TaskNotFoundError';
  constructor(readonly taskId: string) {
    super(`task ${taskId} not found`);
  }
}

/**
 * A finished task (succeeded, failed or cancelled) cannot take its target's lock, and its record
 * takes no more updates: a worker that lost its task (timed out while it hung, then woke up) finds
 * out at its next write, before it pushes or comments.
 */
export class TaskFinishedError extends Error {
  override readonly name = 'TaskFinishedError';
  constructor(
    readonly taskId: string,
    readonly status: TaskStatus,
    what = "a finished task cannot take its target's lock",
  ) {
    super(`task ${taskId} is ${status}: ${what}`);
  }
}

export type CreateResult = { created: true; task: Task } | { created: false; taskId: string };

export type LockResult = { acquired: true } | { acquired: false; holderTaskId: string };

/** An installation's slots: how many of its tasks hold one, and the limit last applied. */
export interface SlotUsage {
  running: number;
  limit?: number;
}

/** Whose slots: one installation's (by its id), or the whole deployment's. */
export type SlotPool = number | 'deployment';

export type SlotResult = { acquired: true } | ({ acquired: false } & Required<SlotUsage>);

/** Fields any update may change; status changes go through `transition`. */
export type TaskChanges = Partial<
  Pick<
    Task,
    | 'branch'
    | 'headSha'
    | 'checkRunId'
    | 'trackingCommentId'
    | 'runnerId'
    | 'tokenNonceHash'
    | 'config'
    | 'waitingFor'
    | 'budgetNotice'
    | 'usage'
    | 'result'
    | 'error'
    | 'exitReason'
    | 'leaseOwner'
    | 'leaseExpiresAt'
    | 'startedAt'
    | 'finishedAt'
  >
>;

/**
 * Where a message stands: `received` (its author's permission not yet checked), `allowed`,
 * `refused`, `taken` (by `takenBy`), or `task` (intake started a task with it instead).
 */
export type MessageState = 'received' | 'allowed' | 'refused' | 'taken' | 'task';

/** A person's `/agent <words>` comment for the task at work on a target (records/messages.ts). */
export interface InboxMessage {
  repository: string;
  installationId: number;
  target: Target;
  commentId: number;
  author: string;
  text: string;
  /** Where intake sent it: to the agent at work (`message`), or to a new task (`task`). */
  route: 'message' | 'task';
  state: MessageState;
  takenBy?: string;
  receivedAt: string;
}

export interface LogEntry {
  at: string;
  phase: string;
  message: string;
}

export interface TaskStore {
  /**
   * Record a webhook delivery and create its task in one conditional transaction: the same
   * delivery id, or the same business `intentKey` while it lives, creates nothing the second time.
   */
  createFromDelivery(
    deliveryId: string,
    task: NewTask,
    options?: { intentKey?: string },
  ): Promise<CreateResult>;
  /** Create a task that no webhook delivered (the CLI, a retry decided in code). */
  create(task: NewTask): Promise<Task>;
  get(taskId: string): Promise<Task | undefined>;
  /** Like get, but throws TaskNotFoundError. */
  load(taskId: string): Promise<Task>;
  /**
   * Update fields with optimistic concurrency: throws VersionConflictError if `task.version` is
   * stale, TaskFinishedError if the task has ended.
   */
  update(task: Task, changes: TaskChanges): Promise<Task>;
  /** Move to a new status (validated by the state machine) with optimistic concurrency. */
  transition(task: Task, to: TaskStatus, changes?: TaskChanges): Promise<Task>;
  /**
   * Take the target's lock for this task; idempotent for the holder. Throws TaskFinishedError if the
   * stored task is already finished (a finished task must never hold a lock).
   */
  acquireLock(task: Task): Promise<LockResult>;
  /** Release the target's lock if this task holds it. */
  releaseLock(task: Task): Promise<void>;
  /**
   * Take one of the installation's slots for this task, if fewer than `limit` are held (or it
   * holds one already): one conditional write on the installation's slots item, so concurrent
   * dispatches never take more than `limit`. A terminal transition gives the slot back in the
   * same transaction. Throws TaskFinishedError if the stored task is already finished.
   */
  acquireSlot(task: Task, limit: number): Promise<SlotResult>;
  /**
   * The same for one of the deployment's slots (NIGHTSHIFT_MAX_DEPLOYMENT_TASKS), so that the
   * whole deployment stays under the account's quota; given back by the same terminal write.
   */
  acquireDeploymentSlot(task: Task, limit: number): Promise<SlotResult>;
  slotUsage(pool: SlotPool): Promise<SlotUsage>;
  /** Who holds the target's lock, if anyone. */
  lockHolder(repository: string, targetNumber: number): Promise<string | undefined>;
  /** Tasks of one target, oldest first. */
  listByTarget(repository: string, targetNumber: number): Promise<Task[]>;
  /** Tasks of one repository, newest first. */
  listByRepository(repository: string, limit?: number): Promise<Task[]>;
  /** All tasks, newest first. */
  listRecent(limit?: number): Promise<Task[]>;
  /** Every task created at or after `since` (ISO time), newest first: the figures of a period. */
  listCreatedSince(since: string): Promise<Task[]>;
  /** Tasks in a status whose last update is older than `before` (ISO time): for the sweeper. */
  listStale(status: TaskStatus, before: string): Promise<Task[]>;
  /** Set the cancel flag, which the running task reads between turns. */
  requestCancel(taskId: string): Promise<Task>;
  /** A counter per key, e.g. CI-fix attempts per pull request; returns the new value. */
  increment(counterKey: string): Promise<number>;
  counter(counterKey: string): Promise<number>;
  /**
   * The responsible engineer of a pull request (or issue): the first claim wins and later claims
   * return it, so every later task on the target keeps the same person.
   */
  claimEngineer(repository: string, targetNumber: number, login: string): Promise<string>;
  engineerOf(repository: string, targetNumber: number): Promise<string | undefined>;
  /**
   * The trigger label a repository's config names, remembered when dispatch reads the config, so
   * intake (which must not call GitHub before answering) can recognise a custom label.
   */
  rememberRepoLabel(repository: string, label: string, planLabel?: string): Promise<void>;
  /**
   * "Do this at most once per `ttlSeconds`": a conditional put of a memo that expires. True for
   * the one caller that claimed it (none held, or the last one expired), false while it holds.
   */
  claimMemo(key: string, ttlSeconds: number): Promise<boolean>;
  repoLabel(repository: string): Promise<string | undefined>;
  /** The plan label the repository's config names (`planLabel`), remembered with its trigger label. */
  repoPlanLabel(repository: string): Promise<string | undefined>;
  /** Record a message once per comment; returns the stored one (the first delivery's). */
  recordMessage(message: Omit<InboxMessage, 'state' | 'takenBy' | 'receivedAt'>): Promise<InboxMessage>;
  getMessage(repository: string, targetNumber: number, commentId: number): Promise<InboxMessage | undefined>;
  /** `from` → `to`, conditioned on `from`; false when it was not there. */
  moveMessage(message: InboxMessage, from: MessageState, to: MessageState): Promise<boolean>;
  allowedMessages(repository: string, targetNumber: number): Promise<InboxMessage[]>;
  /** The allowed messages of the task's target, each taken by this task or by no one. */
  takeMessages(task: Task): Promise<InboxMessage[]>;
  /** What the task's agent took, allowed again (its process died before the task ended); how many. */
  returnTakenMessages(task: Task): Promise<number>;
  /**
   * Start a task with an allowed message as its instructions: the task is created and the message
   * taken by it in one transaction, or neither (someone took the message first).
   */
  createFromMessage(
    message: InboxMessage,
    task: NewTask,
    options: { intentKey: string },
  ): Promise<CreateResult>;
  /** Whether the task's agent takes messages now (an attribute of the target's lock it holds). */
  setInbox(task: Task, open: boolean): Promise<boolean>;
  /** The task whose agent takes the target's messages now, if any. */
  listeningTask(repository: string, targetNumber: number): Promise<string | undefined>;
  /**
   * A month's (`2026-12`) spend of a repository or an installation in USD: the known costs of its
   * tasks' usage, added as it is recorded (records/spend.ts).
   */
  monthSpend(scope: BudgetScope, name: string, month: string): Promise<number>;
  /**
   * A pull request Nightshift opened: the first record wins (true), a later one changes nothing.
   * Closing it and a person's push update only a record that exists (false: not one of ours).
   */
  recordPullRequestOpened(opening: PullRequestOpening): Promise<boolean>;
  pullRequest(repository: string, number: number): Promise<PullRequestRecord | undefined>;
  recordPullRequestClosed(repository: string, number: number, closing: PullRequestClosing): Promise<boolean>;
  notePeoplePushed(repository: string, number: number): Promise<boolean>;
  /** Pull requests Nightshift opened at or after `since` (ISO time), oldest first. */
  listPullRequests(since: string): Promise<PullRequestRecord[]>;
  appendLog(taskId: string, phase: string, message: string): Promise<void>;
  readLog(taskId: string): Promise<LogEntry[]>;
  /** One entry of the task's session log (core/session-log/), numbered by the task's own process. */
  appendSessionEntry(taskId: string, seq: number, entry: SessionEntry): Promise<void>;
  /** The session log in order; with `afterSeq`, only the entries after it. */
  readSession(taskId: string, afterSeq?: number): Promise<StoredSessionEntry[]>;
}
