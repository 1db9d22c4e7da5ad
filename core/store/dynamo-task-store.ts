/**
 * The TaskStore on DynamoDB: the one implementation, which the embedded store (dynalite) also
 * serves locally and in tests. Record layout: items.ts. Table shape: table.ts.
 *
 * Every decision that must hold under concurrency is a conditional write, never a read followed by
 * a write: one task per delivery and per live intent (a transaction), optimistic versions on the
 * task, the target's lock. Conflicts DynamoDB reports while another transaction is in flight
 * (`TransactionConflict`) are retried, bounded and jittered, until the answer is definite.
 *
 * Tasks never get a TTL: they are the history. Deliveries (7 days), intents (1 day, a safety net:
 * they are deleted when their task finishes) and log lines (90 days) do.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  EMPTY_USAGE,
  type NewTask,
  TERMINAL_STATUSES,
  type Task,
  type TaskStatus,
  assertTransition,
  isTerminal,
} from '../task.js';
import { createIdGenerator } from './ids.js';
import { releaseSlotAction, slotHolders, slotUsageOf, takeSlotUpdate } from './installation-slots.js';
import {
  DELIVERY_TTL_SECONDS,
  INTENT_TTL_SECONDS,
  type Key,
  LOG_PREFIX,
  LOG_TTL_SECONDS,
  RECENT_PARTITION,
  counterKey,
  engineerKey,
  memoKey,
  repoLabelKey,
  deliveryKey,
  epochSeconds,
  intentKey as intentItemKey,
  itemToTask,
  lockKey,
  logSortKey,
  repositoryPartition,
  slotsKey,
  statusPartition,
  statusSortKey,
  targetPartition,
  taskKey,
  taskToItem,
  withoutUndefined,
} from './items.js';
import { type RetryOptions, type RetryStep, retrying } from './retry.js';
import { TABLE } from './table.js';
import {
  type CreateResult,
  type LockResult,
  type LogEntry,
  type SlotResult,
  type SlotUsage,
  type TaskChanges,
  TaskFinishedError,
  TaskNotFoundError,
  type TaskStore,
  VersionConflictError,
} from './task-store.js';

export interface DynamoTaskStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
  /** Task ids; by default ULID-shaped, sortable by creation time (ids.ts). */
  ids?: () => string;
  /** How conflicts are retried (tests shorten the pauses). */
  retry?: RetryOptions;
}

/** The fields `update` (and `transition`'s changes) may write. */
const CHANGEABLE: ReadonlySet<string> = new Set<keyof TaskChanges>([
  'branch',
  'headSha',
  'checkRunId',
  'trackingCommentId',
  'runnerId',
  'tokenNonceHash',
  'config',
  'waitingFor',
  'usage',
  'result',
  'error',
  'leaseOwner',
  'leaseExpiresAt',
  'startedAt',
  'finishedAt',
]);

/** A log message longer than this is cut (an item may not exceed 400 KB). */
export const MAX_LOG_MESSAGE_CHARS = 100_000;

const CONDITION_FAILED = 'ConditionalCheckFailed';
/** Cancellation reasons that say "try again", not "no". */
const TRANSIENT_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'None',
]);

const errorName = (error: unknown): string | undefined => (error as { name?: string } | undefined)?.name;

/** A single-item write that met an in-flight transaction on its item: DynamoDB asks to retry. */
const isTransientConflict = (error: unknown): boolean =>
  errorName(error) === 'TransactionConflictException' ||
  errorName(error) === 'TransactionInProgressException';

const isConditionFailure = (error: unknown): boolean =>
  errorName(error) === 'ConditionalCheckFailedException';

/** The cancellation reason codes of a TransactionCanceledException, one per action; undefined otherwise. */
function cancellationCodes(error: unknown): string[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

/** True when no action failed its condition and at least one hit a conflict worth retrying. */
const onlyTransient = (codes: string[]): boolean =>
  codes.every((code) => TRANSIENT_REASONS.has(code)) && codes.some((code) => code !== 'None');

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Builds an UpdateExpression with placeholder names and values. */
class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];

  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(label: string, value: unknown): string {
    const placeholder = `:${label}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): this {
    this.sets.push(`${this.name(attribute)} = ${this.value(attribute, value)}`);
    return this;
  }

  setIfAbsent(attribute: string, value: unknown): this {
    const name = this.name(attribute);
    this.sets.push(`${name} = if_not_exists(${name}, ${this.value(attribute, value)})`);
    return this;
  }

  remove(attribute: string): this {
    this.removes.push(this.name(attribute));
    return this;
  }

  add(attribute: string, amount: number): this {
    this.adds.push(`${this.name(attribute)} ${this.value(attribute, amount)}`);
    return this;
  }

  get expression(): string {
    return [
      this.sets.length > 0 ? `SET ${this.sets.join(', ')}` : '',
      this.removes.length > 0 ? `REMOVE ${this.removes.join(', ')}` : '',
      this.adds.length > 0 ? `ADD ${this.adds.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' ');
  }
}

export class DynamoTaskStore implements TaskStore {
  private readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  private readonly now: () => Date;
  private readonly ids: () => string;
  private readonly retry: RetryOptions;
  private logSeq = 0;

  constructor(options: DynamoTaskStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.ids = options.ids ?? createIdGenerator({ now: this.now });
    this.retry = options.retry ?? {};
  }

  // ── creating ────────────────────────────────────────────────────────────────────────────────

  async createFromDelivery(
    deliveryId: string,
    input: NewTask,
    options: { intentKey?: string } = {},
  ): Promise<CreateResult> {
    const task = this.newTask(input, { deliveryId, intentKey: options.intentKey });
    const intent = options.intentKey === undefined ? undefined : intentItemKey(options.intentKey);
    /** What an existing delivery or live intent says, if anything: the answer without a write. */
    const existingAnswer = async (): Promise<CreateResult | undefined> => {
      const delivery = await this.getItem(deliveryKey(deliveryId));
      // Our own task: an earlier attempt committed though its answer was lost.
      if (delivery?.taskId === task.id) return { created: true, task };
      if (typeof delivery?.taskId === 'string') return { created: false, taskId: delivery.taskId };
      if (!intent) return undefined;
      const existing = await this.getItem(intent);
      const live = Number(existing?.[TABLE.ttlAttribute] ?? 0) >= epochSeconds(this.now());
      if (typeof existing?.taskId === 'string' && live) return { created: false, taskId: existing.taskId };
      return undefined;
    };
    return retrying<CreateResult>(
      `createFromDelivery ${deliveryId}`,
      async (attempt) => {
        // After a conflict, whoever won has most likely committed by now: look before writing again,
        // so that the losers of a burst stop competing. (The write's conditions stay the guard.)
        if (attempt > 0) {
          const answer = await existingAnswer();
          if (answer) return { retry: false, value: answer };
        }
        const nowSeconds = epochSeconds(this.now());
        const items: TransactItem[] = [
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...deliveryKey(deliveryId),
                entity: 'delivery',
                taskId: task.id,
                receivedAt: task.createdAt,
                [TABLE.ttlAttribute]: nowSeconds + DELIVERY_TTL_SECONDS,
              },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
            },
          },
        ];
        if (intent) {
          items.push({
            Put: {
              TableName: this.tableName,
              Item: {
                ...intent,
                entity: 'intent',
                taskId: task.id,
                createdAt: task.createdAt,
                [TABLE.ttlAttribute]: nowSeconds + INTENT_TTL_SECONDS,
              },
              // An intent whose TTL has passed no longer counts, even before DynamoDB deletes it.
              ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
              ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#expiresAt': TABLE.ttlAttribute },
              ExpressionAttributeValues: { ':now': nowSeconds },
            },
          });
        }
        items.push({
          Put: {
            TableName: this.tableName,
            Item: taskToItem(task),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          },
        });

        try {
          await this.transact(items);
          return { retry: false, value: { created: true, task } };
        } catch (error) {
          const codes = cancellationCodes(error);
          if (!codes) throw error;
          if (codes[0] === CONDITION_FAILED || (intent && codes[1] === CONDITION_FAILED)) {
            const answer = await existingAnswer();
            if (answer) return { retry: false, value: answer };
            return { retry: true, cause: error }; // gone again since: ask once more
          }
          if (onlyTransient(codes)) return { retry: true, cause: error };
          throw error;
        }
      },
      { ...this.retry, isRetryable: isTransientConflict },
    );
  }

  async create(input: NewTask): Promise<Task> {
    const task = this.newTask(input, {});
    await this.write(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: taskToItem(task),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      ),
    );
    return task;
  }

  private newTask(input: NewTask, extra: { deliveryId?: string; intentKey?: string | undefined }): Task {
    const now = this.now().toISOString();
    return withoutUndefined<Task>({
      id: this.ids(),
      repository: input.repository,
      installationId: input.installationId,
      target: { ...input.target },
      trigger: withoutUndefined({
        ...input.trigger,
        deliveryId: input.trigger.deliveryId ?? extra.deliveryId,
      }),
      engineer: input.engineer,
      status: 'queued',
      attempt: input.attempt ?? 1,
      retryOf: input.retryOf,
      intentKey: extra.intentKey,
      branch: input.branch,
      headSha: input.headSha,
      usage: { ...EMPTY_USAGE },
      cancelRequested: false,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────────

  async get(taskId: string): Promise<Task | undefined> {
    const item = await this.getItem(taskKey(taskId));
    return item ? itemToTask(item) : undefined;
  }

  async load(taskId: string): Promise<Task> {
    const task = await this.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    return task;
  }

  // ── changing ────────────────────────────────────────────────────────────────────────────────

  /**
   * A change whose value is `undefined` (a key present, e.g. `{ leaseOwner: undefined }`) removes
   * the field.
   */
  async update(task: Task, changes: TaskChanges): Promise<Task> {
    const now = this.now().toISOString();
    const builder = new UpdateBuilder();
    this.applyChanges(builder, changes);
    this.stamp(builder, task, now);
    return this.versionedUpdate(task, builder);
  }

  /**
   * Validated by the state machine first (IllegalTransitionError). Sets `startedAt` on the first
   * `running`, `finishedAt` on a terminal status; a terminal transition also releases the target's
   * lock and deletes the task's intent, in the same transaction.
   */
  async transition(task: Task, to: TaskStatus, changes: TaskChanges = {}): Promise<Task> {
    assertTransition(task.id, task.status, to);
    const now = this.now().toISOString();
    const fields: Record<string, unknown> = { ...changes };
    const builder = new UpdateBuilder();
    if (isTerminal(to)) fields.finishedAt = changes.finishedAt ?? now;
    if (to === 'running' && changes.startedAt === undefined) {
      delete fields.startedAt;
      builder.setIfAbsent('startedAt', now);
    }
    this.applyChanges(builder, fields);
    builder.set('status', to).set(TABLE.indexes.byStatus.partitionKey, statusPartition(to));
    this.stamp(builder, task, now);
    if (!isTerminal(to)) return this.versionedUpdate(task, builder);
    return this.finish(task, builder);
  }

  async requestCancel(taskId: string): Promise<Task> {
    const now = this.now().toISOString();
    const builder = new UpdateBuilder()
      .set('cancelRequested', true)
      .set('updatedAt', now)
      .set(TABLE.indexes.byStatus.sortKey, statusSortKey(now, taskId))
      .add('version', 1);
    try {
      const result = await this.write(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: taskKey(taskId),
            UpdateExpression: builder.expression,
            ConditionExpression: `attribute_exists(${builder.name(TABLE.partitionKey)})`,
            ExpressionAttributeNames: builder.names,
            ExpressionAttributeValues: builder.values,
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return itemToTask(result.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) throw new TaskNotFoundError(taskId);
      throw error;
    }
  }

  private applyChanges(builder: UpdateBuilder, changes: Record<string, unknown>): void {
    for (const [field, value] of Object.entries(changes)) {
      if (!CHANGEABLE.has(field)) throw new TypeError(`task field ${field} cannot be changed by update()`);
      if (value === undefined) builder.remove(field);
      else builder.set(field, value);
    }
  }

  /** Every write to a task: next version, updatedAt, and the byStatus sort key that follows it. */
  private stamp(builder: UpdateBuilder, task: Task, now: string): void {
    builder
      .set('version', task.version + 1)
      .set('updatedAt', now)
      .set(TABLE.indexes.byStatus.sortKey, statusSortKey(now, task.id));
    builder.value('expectedVersion', task.version);
  }

  /** The version read, and not finished: an ended task's record takes no more writes. */
  private versionCondition(builder: UpdateBuilder): string {
    const terminal = TERMINAL_STATUSES.map((status, i) => builder.value(`terminal${i}`, status));
    return `${builder.name('version')} = :expectedVersion AND NOT (${builder.name('status')} IN (${terminal.join(', ')}))`;
  }

  private updateInput(
    task: Task,
    builder: UpdateBuilder,
  ): {
    TableName: string;
    Key: Key;
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  } {
    return {
      TableName: this.tableName,
      Key: taskKey(task.id),
      UpdateExpression: builder.expression,
      ConditionExpression: this.versionCondition(builder),
      ExpressionAttributeNames: builder.names,
      ExpressionAttributeValues: builder.values,
    };
  }

  private async versionedUpdate(task: Task, builder: UpdateBuilder): Promise<Task> {
    try {
      const result = await this.write(() =>
        this.client.send(new UpdateCommand({ ...this.updateInput(task, builder), ReturnValues: 'ALL_NEW' })),
      );
      return itemToTask(result.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) throw await this.conflictOrMissing(task);
      throw error;
    }
  }

  /**
   * A terminal transition: one transaction updates the task, deletes the target's lock if this task
   * holds it, and deletes the task's intent if it is still this task's. A read only makes the first
   * guess; the "if" is decided by conditions: each action asserts either "mine: delete it" or "not
   * mine", and when the assertion turns out wrong (it changed since the read) the transaction is
   * cancelled and retried the other way. So a lock taken after the read is never left behind.
   */
  private async finish(task: Task, builder: UpdateBuilder): Promise<Task> {
    const update = this.updateInput(task, builder);
    const lock = lockKey(task.repository, task.target.number);
    const intent = task.intentKey === undefined ? undefined : intentItemKey(task.intentKey);
    const [lockItem, intentItem, slotsItem] = await Promise.all([
      this.getItem(lock),
      intent ? this.getItem(intent) : Promise.resolve(undefined),
      this.getItem(slotsKey(task.installationId)),
    ]);
    let holdsLock = lockItem?.taskId === task.id;
    let ownsIntent = intentItem?.taskId === task.id;
    let holdsSlot = slotHolders(slotsItem).has(task.id);

    const mineOrNot = (key: Key, mine: boolean): TransactItem => {
      const names = { '#pk': TABLE.partitionKey, '#taskId': 'taskId' };
      return mine
        ? {
            Delete: {
              TableName: this.tableName,
              Key: key,
              ConditionExpression: '#taskId = :me',
              ExpressionAttributeNames: { '#taskId': 'taskId' },
              ExpressionAttributeValues: { ':me': task.id },
            },
          }
        : {
            ConditionCheck: {
              TableName: this.tableName,
              Key: key,
              ConditionExpression: 'attribute_not_exists(#pk) OR #taskId <> :me',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':me': task.id },
            },
          };
    };

    await retrying<void>(
      `transition ${task.id}`,
      async () => {
        const items: TransactItem[] = [{ Update: update }, mineOrNot(lock, holdsLock)];
        if (intent) items.push(mineOrNot(intent, ownsIntent));
        const slotAt = items.length;
        items.push(releaseSlotAction(this.tableName, task.installationId, task.id, holdsSlot));
        try {
          await this.transact(items);
          return { retry: false, value: undefined };
        } catch (error) {
          const codes = cancellationCodes(error);
          if (!codes) throw error;
          if (codes[0] === CONDITION_FAILED) throw await this.conflictOrMissing(task);
          const lockWrong = codes[1] === CONDITION_FAILED;
          const intentWrong = intent !== undefined && codes[2] === CONDITION_FAILED;
          const slotWrong = codes[slotAt] === CONDITION_FAILED;
          if (lockWrong) holdsLock = !holdsLock;
          if (intentWrong) ownsIntent = !ownsIntent;
          if (slotWrong) holdsSlot = !holdsSlot;
          if (lockWrong || intentWrong || slotWrong || onlyTransient(codes)) {
            return { retry: true, cause: error };
          }
          throw error;
        }
      },
      { ...this.retry, isRetryable: isTransientConflict },
    );
    // An update in a transaction cannot return the new item: read it back.
    return this.load(task.id);
  }

  private async conflictOrMissing(task: Task): Promise<Error> {
    const item = await this.getItem(taskKey(task.id));
    if (!item) return new TaskNotFoundError(task.id);
    const current = itemToTask(item);
    if (current.version === task.version && isTerminal(current.status)) {
      return new TaskFinishedError(task.id, current.status, 'a finished task takes no more updates');
    }
    return new VersionConflictError(task.id, task.version);
  }

  // ── the target's lock ───────────────────────────────────────────────────────────────────────

  /**
   * A transaction: the task must exist and not be finished (so a late caller cannot leave a lock
   * behind a finished task), and the lock must be free or already this task's.
   */
  async acquireLock(task: Task): Promise<LockResult> {
    const lock = lockKey(task.repository, task.target.number);
    return retrying<LockResult>(
      `acquireLock ${task.id}`,
      async (attempt) => {
        // After a conflict, look before writing again: a lock someone else holds is a definite "no".
        if (attempt > 0) {
          const holder = await this.lockHolder(task.repository, task.target.number);
          if (holder === task.id) return { retry: false, value: { acquired: true } };
          if (holder !== undefined) return { retry: false, value: { acquired: false, holderTaskId: holder } };
        }
        const now = this.now().toISOString();
        const update: NonNullable<TransactItem['Update']> = {
          TableName: this.tableName,
          Key: lock,
          UpdateExpression:
            'SET #entity = :entity, #taskId = :me, #repository = :repository, #targetNumber = :number, ' +
            '#acquiredAt = if_not_exists(#acquiredAt, :now)',
          ConditionExpression: 'attribute_not_exists(#pk) OR #taskId = :me',
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            '#entity': 'entity',
            '#taskId': 'taskId',
            '#repository': 'repository',
            '#targetNumber': 'targetNumber',
            '#acquiredAt': 'acquiredAt',
          },
          ExpressionAttributeValues: {
            ':entity': 'lock',
            ':me': task.id,
            ':repository': task.repository,
            ':number': task.target.number,
            ':now': now,
          },
        };
        return this.onLiveTask(task.id, update, async (error) => {
          const holder = await this.lockHolder(task.repository, task.target.number);
          if (holder !== undefined && holder !== task.id) {
            return { retry: false, value: { acquired: false, holderTaskId: holder } };
          }
          return { retry: true, cause: error }; // released meanwhile: try again
        });
      },
      { ...this.retry, isRetryable: isTransientConflict },
    );
  }

  /**
   * One transaction: the task exists and is not finished, and `update` (whose condition guards an
   * item beside it: the target's lock, the installation's slots) applies. A task that ended
   * meanwhile throws; a failed condition on `update` is for `onTaken` to read; a transient
   * conflict is retried.
   */
  private async onLiveTask<T extends { acquired: boolean }>(
    taskId: string,
    update: NonNullable<TransactItem['Update']>,
    onTaken: (error: unknown) => Promise<RetryStep<T>>,
  ): Promise<RetryStep<T>> {
    const terminal = Object.fromEntries(TERMINAL_STATUSES.map((status, i) => [`:terminal${i}`, status]));
    const items: TransactItem[] = [
      {
        ConditionCheck: {
          TableName: this.tableName,
          Key: taskKey(taskId),
          ConditionExpression: `attribute_exists(#pk) AND NOT (#status IN (${Object.keys(terminal).join(', ')}))`,
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#status': 'status' },
          ExpressionAttributeValues: terminal,
        },
      },
      { Update: update },
    ];
    try {
      await this.transact(items);
      return { retry: false, value: { acquired: true } as T };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw error;
      if (codes[0] === CONDITION_FAILED) {
        const current = await this.get(taskId);
        if (!current) throw new TaskNotFoundError(taskId);
        if (isTerminal(current.status)) throw new TaskFinishedError(taskId, current.status);
        return { retry: true, cause: error };
      }
      if (codes[1] === CONDITION_FAILED) return onTaken(error);
      if (onlyTransient(codes)) return { retry: true, cause: error };
      throw error;
    }
  }

  // ── the installation's slots ────────────────────────────────────────────────────────────────

  /**
   * A transaction, as for the lock: the task must exist and not be finished (a task that ended
   * meanwhile gave back no slot it could still take), and the slots item must have room or hold
   * the task already.
   */
  async acquireSlot(task: Task, limit: number): Promise<SlotResult> {
    const full = async (): Promise<SlotResult | undefined> => {
      const item = await this.getItem(slotsKey(task.installationId));
      if (slotHolders(item).has(task.id)) return { acquired: true };
      const { running } = slotUsageOf(item);
      return running >= limit ? { acquired: false, running, limit } : undefined;
    };
    return retrying<SlotResult>(
      `acquireSlot ${task.id}`,
      async () => {
        return this.onLiveTask(
          task.id,
          takeSlotUpdate(this.tableName, task.installationId, task.id, limit),
          async (error) => {
            const answer = await full();
            return answer ? { retry: false, value: answer } : { retry: true, cause: error }; // freed meanwhile
          },
        );
      },
      { ...this.retry, isRetryable: isTransientConflict },
    );
  }

  async slotUsage(installationId: number): Promise<SlotUsage> {
    return slotUsageOf(await this.getItem(slotsKey(installationId)));
  }

  async releaseLock(task: Task): Promise<void> {
    try {
      await this.write(() =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: lockKey(task.repository, task.target.number),
            ConditionExpression: '#taskId = :me',
            ExpressionAttributeNames: { '#taskId': 'taskId' },
            ExpressionAttributeValues: { ':me': task.id },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // not held by this task: nothing to do
    }
  }

  async lockHolder(repository: string, targetNumber: number): Promise<string | undefined> {
    const item = await this.getItem(lockKey(repository, targetNumber));
    return typeof item?.taskId === 'string' ? item.taskId : undefined;
  }

  // ── lists ───────────────────────────────────────────────────────────────────────────────────

  async listByTarget(repository: string, targetNumber: number): Promise<Task[]> {
    return this.queryTasks(TABLE.indexes.byTarget, targetPartition(repository, targetNumber), {
      newestFirst: false,
    });
  }

  /** Newest first; every task of the repository when `limit` is unset. */
  async listByRepository(repository: string, limit?: number): Promise<Task[]> {
    return this.queryTasks(TABLE.indexes.byRepository, repositoryPartition(repository), {
      newestFirst: true,
      limit,
    });
  }

  /** Newest first; every task when `limit` is unset. */
  async listRecent(limit?: number): Promise<Task[]> {
    return this.queryTasks(TABLE.indexes.recent, RECENT_PARTITION, { newestFirst: true, limit });
  }

  /** Oldest update first. */
  async listStale(status: TaskStatus, before: string): Promise<Task[]> {
    return this.queryTasks(TABLE.indexes.byStatus, statusPartition(status), { newestFirst: false, before });
  }

  private async queryTasks(
    index: { name: string; partitionKey: string; sortKey: string },
    partition: string,
    options: { newestFirst: boolean; limit?: number | undefined; before?: string },
  ): Promise<Task[]> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: index.name,
      KeyConditionExpression: options.before === undefined ? '#pk = :pk' : '#pk = :pk AND #sk < :before',
      ExpressionAttributeNames:
        options.before === undefined
          ? { '#pk': index.partitionKey }
          : { '#pk': index.partitionKey, '#sk': index.sortKey },
      ExpressionAttributeValues:
        options.before === undefined ? { ':pk': partition } : { ':pk': partition, ':before': options.before },
      ScanIndexForward: !options.newestFirst,
    };
    return (await this.queryAll(input, options.limit)).map(itemToTask);
  }

  private async queryAll(input: QueryCommandInput, limit?: number): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = limit === undefined ? undefined : limit - items.length;
      if (remaining !== undefined && remaining <= 0) break;
      const page = await this.client.send(
        new QueryCommand({
          ...input,
          ...(remaining !== undefined ? { Limit: remaining } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return limit === undefined ? items : items.slice(0, limit);
  }

  // ── counters ────────────────────────────────────────────────────────────────────────────────

  async increment(key: string): Promise<number> {
    const builder = new UpdateBuilder().set('entity', 'counter').add('value', 1);
    const result = await this.write(() =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(key),
          UpdateExpression: builder.expression,
          ExpressionAttributeNames: builder.names,
          ExpressionAttributeValues: builder.values,
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(result.Attributes?.value ?? 0);
  }

  async counter(key: string): Promise<number> {
    const item = await this.getItem(counterKey(key));
    return Number(item?.value ?? 0);
  }

  async claimEngineer(repository: string, targetNumber: number, login: string): Promise<string> {
    try {
      await this.write(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...engineerKey(repository, targetNumber), entity: 'engineer', login },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return login;
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      return (await this.engineerOf(repository, targetNumber)) ?? login;
    }
  }

  async rememberRepoLabel(repository: string, label: string): Promise<void> {
    await this.write(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...repoLabelKey(repository), entity: 'label', label },
        }),
      ),
    );
  }

  async claimMemo(key: string, ttlSeconds: number): Promise<boolean> {
    const nowSeconds = epochSeconds(this.now());
    try {
      await this.write(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...memoKey(key), entity: 'memo', [TABLE.ttlAttribute]: nowSeconds + ttlSeconds },
            // An expired memo no longer counts, even before DynamoDB's TTL deletes it.
            ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#expiresAt': TABLE.ttlAttribute },
            ExpressionAttributeValues: { ':now': nowSeconds },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async repoLabel(repository: string): Promise<string | undefined> {
    const item = await this.getItem(repoLabelKey(repository));
    return typeof item?.label === 'string' ? item.label : undefined;
  }

  async engineerOf(repository: string, targetNumber: number): Promise<string | undefined> {
    const item = await this.getItem(engineerKey(repository, targetNumber));
    return typeof item?.login === 'string' ? item.login : undefined;
  }

  // ── the task's log ──────────────────────────────────────────────────────────────────────────

  async appendLog(taskId: string, phase: string, message: string): Promise<void> {
    const now = this.now();
    const at = now.toISOString();
    // Lines of one millisecond keep their order by this process's sequence; the random tail keeps
    // two processes from writing the same key.
    const seq = `${String(this.logSeq++).padStart(10, '0')}-${randomUUID().slice(0, 8)}`;
    const text =
      message.length > MAX_LOG_MESSAGE_CHARS ? `${message.slice(0, MAX_LOG_MESSAGE_CHARS)}… (cut)` : message;
    await this.write(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: taskKey(taskId).pk,
            sk: logSortKey(at, seq),
            entity: 'log',
            at,
            phase,
            message: text,
            [TABLE.ttlAttribute]: epochSeconds(now) + LOG_TTL_SECONDS,
          },
        }),
      ),
    );
  }

  async readLog(taskId: string): Promise<LogEntry[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :log)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
      ExpressionAttributeValues: { ':pk': taskKey(taskId).pk, ':log': LOG_PREFIX },
      ScanIndexForward: true,
      ConsistentRead: true,
    });
    return items.map((item) => ({
      at: String(item.at),
      phase: String(item.phase),
      message: String(item.message),
    }));
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────────

  private async getItem(key: Key): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  }

  private async transact(items: TransactItem[]): Promise<void> {
    // A fresh token per attempt: the SDK's own retries of this request reuse it (idempotent), a
    // deliberate retry after a cancellation must not.
    await this.client.send(
      new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }),
    );
  }

  /** A single-item write, retried while it meets an in-flight transaction on its item. */
  private write<T>(send: () => Promise<T>): Promise<T> {
    return retrying('write', async () => ({ retry: false, value: await send() }), {
      ...this.retry,
      isRetryable: isTransientConflict,
    });
  }
}
