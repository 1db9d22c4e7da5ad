/**
 * Task records: creating, reading and changing one task item (`TASK#<id>` / `TASK`). Each write is
 * one conditional write on that item: a create asserts that the id is new, a change asserts the
 * version it was computed from and that the task has not finished (optimistic concurrency: the
 * loser gets VersionConflictError, with no read, from the item its condition saw). A terminal
 * transition also touches the items a task holds: task-end.ts. A change of usage that costs more
 * then adds to the month's spend (spend.ts). A task created from a
 * webhook delivery: deliveries.ts.
 */
import {
  EMPTY_USAGE,
  type NewTask,
  type Task,
  type TaskStatus,
  assertTransition,
  isTerminal,
} from '../../task.js';
import {
  itemToTask,
  statusPartition,
  statusSortKey,
  taskKey,
  taskToItem,
  withoutUndefined,
} from '../items.js';
import { TABLE } from '../table.js';
import { type TaskChanges, TaskNotFoundError } from '../task-store.js';
import { addSpend, spendDelta } from './spend.js';
import type { StoreTable } from './store-table.js';
import { writeTaskEnd } from './task-end.js';
import { applyChanges, refusal, stamp, versionedUpdate } from './task-writes.js';
import { UpdateBuilder } from './update-builder.js';
import { OLD_ITEM_ON_FAILURE, failedConditionItem, isConditionFailure } from './write-errors.js';

/** A new task's record: queued, version 1, no usage yet. */
export function newTask(
  input: NewTask,
  extra: { id: string; now: Date; deliveryId?: string; intentKey?: string | undefined },
): Task {
  const now = extra.now.toISOString();
  return withoutUndefined<Task>({
    id: extra.id,
    repository: input.repository,
    installationId: input.installationId,
    target: { ...input.target },
    trigger: withoutUndefined({
      ...input.trigger,
      deliveryId: input.trigger.deliveryId ?? extra.deliveryId,
    }),
    engineer: input.engineer,
    requester: input.requester,
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

/** The task's item, written only if its id is new. */
export function putNewTask(tableName: string, task: Task) {
  return {
    TableName: tableName,
    Item: taskToItem(task),
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
  };
}

export async function createTask(table: StoreTable, task: Task): Promise<Task> {
  await table.put(putNewTask(table.tableName, task));
  return task;
}

export async function getTask(table: StoreTable, taskId: string): Promise<Task | undefined> {
  const item = await table.get(taskKey(taskId));
  return item ? itemToTask(item) : undefined;
}

export async function loadTask(table: StoreTable, taskId: string): Promise<Task> {
  const task = await getTask(table, taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  return task;
}

export async function updateTask(table: StoreTable, task: Task, changes: TaskChanges): Promise<Task> {
  const builder = new UpdateBuilder();
  const now = table.now();
  applyChanges(builder, changes);
  stamp(builder, task, now.toISOString());
  const updated = await writeVersioned(table, task, builder);
  await addSpend(table, task, spendDelta(task, changes.usage), now);
  return updated;
}

/**
 * Validated by the state machine first (IllegalTransitionError). Sets `startedAt` on the first
 * `running`, `finishedAt` on a terminal status; a terminal transition also releases what the task
 * holds, in the same transaction (task-end.ts).
 */
export async function transitionTask(
  table: StoreTable,
  task: Task,
  to: TaskStatus,
  changes: TaskChanges = {},
): Promise<Task> {
  assertTransition(task.id, task.status, to);
  const clock = table.now();
  const now = clock.toISOString();
  const fields: Record<string, unknown> = { ...changes };
  const builder = new UpdateBuilder();
  if (isTerminal(to)) fields.finishedAt = changes.finishedAt ?? now;
  if (to === 'running' && changes.startedAt === undefined) {
    delete fields.startedAt;
    builder.setIfAbsent('startedAt', now);
  }
  applyChanges(builder, fields);
  builder.set('status', to).set(TABLE.indexes.byStatus.partitionKey, statusPartition(to));
  stamp(builder, task, now);
  const spent = spendDelta(task, changes.usage);
  if (!isTerminal(to)) {
    const moved = await writeVersioned(table, task, builder);
    await addSpend(table, task, spent, clock);
    return moved;
  }
  await writeTaskEnd(table, task, versionedUpdate(table.tableName, task, builder));
  await addSpend(table, task, spent, clock);
  // An update in a transaction cannot return the new item: read it back.
  return loadTask(table, task.id);
}

/** Set the cancel flag on whatever version is stored; only a missing task refuses it. */
export async function requestCancel(table: StoreTable, taskId: string): Promise<Task> {
  const now = table.now().toISOString();
  const builder = new UpdateBuilder()
    .set('cancelRequested', true)
    .set('updatedAt', now)
    .set(TABLE.indexes.byStatus.sortKey, statusSortKey(now, taskId))
    .add('version', 1);
  try {
    const result = await table.update({
      Key: taskKey(taskId),
      UpdateExpression: builder.expression,
      ConditionExpression: `attribute_exists(${builder.name(TABLE.partitionKey)})`,
      ExpressionAttributeNames: builder.names,
      ExpressionAttributeValues: builder.values,
      ReturnValues: 'ALL_NEW',
    });
    return itemToTask(result.Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) throw new TaskNotFoundError(taskId);
    throw error;
  }
}

async function writeVersioned(table: StoreTable, task: Task, builder: UpdateBuilder): Promise<Task> {
  const update = versionedUpdate(table.tableName, task, builder);
  try {
    const result = await table.update({ ...update, ReturnValues: 'ALL_NEW', ...OLD_ITEM_ON_FAILURE });
    return itemToTask(result.Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) throw refusal(task, failedConditionItem(error));
    throw error;
  }
}
