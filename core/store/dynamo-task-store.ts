/**
 * The TaskStore on DynamoDB: the one implementation, which the embedded store (dynalite) also
 * serves locally and in tests. A facade: each record kind is its own module in records/, over one
 * shared table helper (records/store-table.ts); this class only builds new tasks (ids, clock) and
 * hands each call of the port to the module that owns the record. Record layout: items.ts. Table
 * shape: table.ts.
 *
 * Every decision that must hold under concurrency is a conditional write or a transaction, never a
 * read followed by a write: one task per delivery and per live intent (records/deliveries.ts),
 * optimistic versions on the task (records/tasks.ts), the target's lock (records/target-locks.ts),
 * the installation's slots (records/installation-slots.ts), a person's message taken once
 * (records/messages.ts), everything a task holds given back by
 * its terminal transaction (records/task-end.ts). A refused condition is answered from the item it
 * saw (`ReturnValuesOnConditionCheckFailure`), not from a read after it. Conflicts DynamoDB
 * reports while another transaction is in flight are retried, bounded and jittered, until the
 * answer is definite.
 *
 * Tasks never get a TTL: they are the history. Deliveries (7 days), intents (1 day, a safety net:
 * they are deleted when their task finishes), people's messages to the agent (7 days) and log
 * lines (90 days) do.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BudgetScope } from '../budget.js';
import type { PullRequestClosing, PullRequestOpening, PullRequestRecord } from '../pull-request-outcome.js';
import type { NewTask, Task, TaskStatus } from '../task.js';
import { createIdGenerator } from './ids.js';
import { counter, increment } from './records/counters.js';
import { createFromDelivery } from './records/deliveries.js';
import { claimEngineer, engineerOf } from './records/engineers.js';
import { acquireSlot, slotUsage } from './records/installation-slots.js';
import { claimMemo } from './records/memos.js';
import {
  claimForTask,
  getMessage,
  listeningTask,
  messagesIn,
  moveMessage,
  recordMessage,
  setInbox,
  takeMessages,
  returnTakenMessages,
} from './records/messages.js';
import { rememberRepoLabel, repoLabel, repoPlanLabel } from './records/repo-labels.js';
import { monthSpend } from './records/spend.js';
import { StoreTable } from './records/store-table.js';
import { acquireLock, lockHolder, releaseLock } from './records/target-locks.js';
import {
  listPullRequests,
  notePeoplePushed,
  pullRequestRecord,
  recordPullRequestClosed,
  recordPullRequestOpened,
} from './records/pull-requests.js';
import {
  listByRepository,
  listByTarget,
  listCreatedSince,
  listRecent,
  listStale,
} from './records/task-lists.js';
import { appendLog, readLog } from './records/task-log.js';
import { appendSessionEntry, readSession } from './records/session-log.js';
import type { SessionEntry, StoredSessionEntry } from '../session-log/entries.js';
import {
  createTask,
  getTask,
  loadTask,
  newTask,
  requestCancel,
  transitionTask,
  updateTask,
} from './records/tasks.js';
import type { RetryOptions } from './retry.js';
import type {
  CreateResult,
  InboxMessage,
  MessageState,
  LockResult,
  LogEntry,
  SlotPool,
  SlotResult,
  SlotUsage,
  TaskChanges,
  TaskStore,
} from './task-store.js';

export { MAX_LOG_MESSAGE_CHARS } from './records/task-log.js';

export interface DynamoTaskStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
  /** Task ids; by default ULID-shaped, sortable by creation time (ids.ts). */
  ids?: () => string;
  /** How conflicts are retried (tests shorten the pauses). */
  retry?: RetryOptions;
}

export class DynamoTaskStore implements TaskStore {
  readonly tableName: string;
  private readonly table: StoreTable;
  private readonly ids: () => string;

  constructor(options: DynamoTaskStoreOptions) {
    this.table = new StoreTable(options);
    this.tableName = options.tableName;
    this.ids = options.ids ?? createIdGenerator({ now: this.table.now });
  }

  // ── tasks ───────────────────────────────────────────────────────────────────────────────────

  createFromDelivery(
    deliveryId: string,
    input: NewTask,
    options: { intentKey?: string } = {},
  ): Promise<CreateResult> {
    const task = this.newTask(input, { deliveryId, intentKey: options.intentKey });
    return createFromDelivery(this.table, deliveryId, task);
  }

  create(input: NewTask): Promise<Task> {
    return createTask(this.table, this.newTask(input, {}));
  }

  get(taskId: string): Promise<Task | undefined> {
    return getTask(this.table, taskId);
  }

  load(taskId: string): Promise<Task> {
    return loadTask(this.table, taskId);
  }

  update(task: Task, changes: TaskChanges): Promise<Task> {
    return updateTask(this.table, task, changes);
  }

  transition(task: Task, to: TaskStatus, changes: TaskChanges = {}): Promise<Task> {
    return transitionTask(this.table, task, to, changes);
  }

  requestCancel(taskId: string): Promise<Task> {
    return requestCancel(this.table, taskId);
  }

  private newTask(input: NewTask, extra: { deliveryId?: string; intentKey?: string | undefined }): Task {
    return newTask(input, { ...extra, id: this.ids(), now: this.table.now() });
  }

  // ── what a task holds: the target's lock, an installation slot ──────────────────────────────

  acquireLock(task: Task): Promise<LockResult> {
    return acquireLock(this.table, task);
  }

  releaseLock(task: Task): Promise<void> {
    return releaseLock(this.table, task);
  }

  lockHolder(repository: string, targetNumber: number): Promise<string | undefined> {
    return lockHolder(this.table, repository, targetNumber);
  }

  acquireSlot(task: Task, limit: number): Promise<SlotResult> {
    return acquireSlot(this.table, task, limit);
  }

  acquireDeploymentSlot(task: Task, limit: number): Promise<SlotResult> {
    return acquireSlot(this.table, task, limit, 'deployment');
  }

  slotUsage(pool: SlotPool): Promise<SlotUsage> {
    return slotUsage(this.table, pool);
  }

  // ── lists ───────────────────────────────────────────────────────────────────────────────────

  listByTarget(repository: string, targetNumber: number): Promise<Task[]> {
    return listByTarget(this.table, repository, targetNumber);
  }

  listByRepository(repository: string, limit?: number): Promise<Task[]> {
    return listByRepository(this.table, repository, limit);
  }

  listRecent(limit?: number): Promise<Task[]> {
    return listRecent(this.table, limit);
  }

  listCreatedSince(since: string): Promise<Task[]> {
    return listCreatedSince(this.table, since);
  }

  listStale(status: TaskStatus, before: string): Promise<Task[]> {
    return listStale(this.table, status, before);
  }

  // ── counters, engineers, labels, memos ──────────────────────────────────────────────────────

  increment(counterKey: string): Promise<number> {
    return increment(this.table, counterKey);
  }

  counter(counterKey: string): Promise<number> {
    return counter(this.table, counterKey);
  }

  claimEngineer(repository: string, targetNumber: number, login: string): Promise<string> {
    return claimEngineer(this.table, repository, targetNumber, login);
  }

  engineerOf(repository: string, targetNumber: number): Promise<string | undefined> {
    return engineerOf(this.table, repository, targetNumber);
  }

  rememberRepoLabel(repository: string, label: string, planLabel?: string): Promise<void> {
    return rememberRepoLabel(this.table, repository, label, planLabel);
  }

  repoLabel(repository: string): Promise<string | undefined> {
    return repoLabel(this.table, repository);
  }

  repoPlanLabel(repository: string): Promise<string | undefined> {
    return repoPlanLabel(this.table, repository);
  }

  claimMemo(key: string, ttlSeconds: number): Promise<boolean> {
    return claimMemo(this.table, key, ttlSeconds);
  }

  // ── people's messages to the agent at work ──────────────────────────────────────────────────

  recordMessage(message: Omit<InboxMessage, 'state' | 'takenBy' | 'receivedAt'>): Promise<InboxMessage> {
    return recordMessage(this.table, message);
  }

  getMessage(repository: string, targetNumber: number, commentId: number): Promise<InboxMessage | undefined> {
    return getMessage(this.table, repository, targetNumber, commentId);
  }

  moveMessage(message: InboxMessage, from: MessageState, to: MessageState): Promise<boolean> {
    return moveMessage(this.table, message, from, to);
  }

  allowedMessages(repository: string, targetNumber: number): Promise<InboxMessage[]> {
    return messagesIn(this.table, repository, targetNumber, 'allowed');
  }

  takeMessages(task: Task): Promise<InboxMessage[]> {
    return takeMessages(this.table, task);
  }

  returnTakenMessages(task: Task): Promise<number> {
    return returnTakenMessages(this.table, task);
  }

  createFromMessage(
    message: InboxMessage,
    input: NewTask,
    options: { intentKey: string },
  ): Promise<CreateResult> {
    const task = this.newTask(input, { deliveryId: messageDeliveryId(message), ...options });
    return createFromDelivery(
      this.table,
      messageDeliveryId(message),
      task,
      claimForTask(this.table, message, task.id),
    );
  }

  setInbox(task: Task, open: boolean): Promise<boolean> {
    return setInbox(this.table, task, open);
  }

  listeningTask(repository: string, targetNumber: number): Promise<string | undefined> {
    return listeningTask(this.table, repository, targetNumber);
  }

  monthSpend(scope: BudgetScope, name: string, month: string): Promise<number> {
    return monthSpend(this.table, scope, name, month);
  }

  // ── pull requests Nightshift opened, and what became of them ───────────────────────────────

  recordPullRequestOpened(opening: PullRequestOpening): Promise<boolean> {
    return recordPullRequestOpened(this.table, opening);
  }

  pullRequest(repository: string, number: number): Promise<PullRequestRecord | undefined> {
    return pullRequestRecord(this.table, repository, number);
  }

  recordPullRequestClosed(repository: string, number: number, closing: PullRequestClosing): Promise<boolean> {
    return recordPullRequestClosed(this.table, repository, number, closing);
  }

  notePeoplePushed(repository: string, number: number): Promise<boolean> {
    return notePeoplePushed(this.table, repository, number);
  }

  listPullRequests(since: string): Promise<PullRequestRecord[]> {
    return listPullRequests(this.table, since);
  }

  // ── the task's log ──────────────────────────────────────────────────────────────────────────

  appendLog(taskId: string, phase: string, message: string): Promise<void> {
    return appendLog(this.table, taskId, phase, message);
  }

  readLog(taskId: string): Promise<LogEntry[]> {
    return readLog(this.table, taskId);
  }

  appendSessionEntry(taskId: string, seq: number, entry: SessionEntry): Promise<void> {
    return appendSessionEntry(this.table, taskId, seq, entry);
  }

  readSession(taskId: string, afterSeq?: number): Promise<StoredSessionEntry[]> {
    return readSession(this.table, taskId, afterSeq);
  }
}

/** The follow-up a message starts is recorded like a delivery of its own, once per comment. */
function messageDeliveryId(message: InboxMessage): string {
  return `message:${message.repository.toLowerCase()}#${message.commentId}`;
}
