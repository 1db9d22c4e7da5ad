/**
 * What every write to a task item says, as pure pieces: which fields a change may touch, the
 * stamp each write adds (next version, updatedAt, the byStatus sort key that follows it), the
 * condition that guards it (the version read, and not finished), and what a refusal of that
 * condition means, read from the item the condition saw.
 */
import { type Task, TERMINAL_STATUSES, isTerminal } from '../../task.js';
import { type Key, itemToTask, statusSortKey, taskKey } from '../items.js';
import { TABLE } from '../table.js';
import {
  type TaskChanges,
  TaskFinishedError,
  TaskNotFoundError,
  VersionConflictError,
} from '../task-store.js';
import type { UpdateBuilder } from './update-builder.js';
import type { Item } from './write-errors.js';

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
  'budgetNotice',
  'usage',
  'result',
  'error',
  'exitReason',
  'leaseOwner',
  'leaseExpiresAt',
  'startedAt',
  'finishedAt',
]);

/** A change whose value is `undefined` (a key present) removes the field. */
export function applyChanges(builder: UpdateBuilder, changes: Record<string, unknown>): void {
  for (const [field, value] of Object.entries(changes)) {
    if (!CHANGEABLE.has(field)) throw new TypeError(`task field ${field} cannot be changed by update()`);
    if (value === undefined) builder.remove(field);
    else builder.set(field, value);
  }
}

/** Every write to a task: next version, updatedAt, and the byStatus sort key that follows it. */
export function stamp(builder: UpdateBuilder, task: Task, now: string): void {
  builder
    .set('version', task.version + 1)
    .set('updatedAt', now)
    .set(TABLE.indexes.byStatus.sortKey, statusSortKey(now, task.id));
  builder.value('expectedVersion', task.version);
}

/** The version read, and not finished: an ended task's record takes no more writes. */
function versionCondition(builder: UpdateBuilder): string {
  const terminal = TERMINAL_STATUSES.map((status, i) => builder.value(`terminal${i}`, status));
  return `${builder.name('version')} = :expectedVersion AND NOT (${builder.name('status')} IN (${terminal.join(', ')}))`;
}

export interface VersionedUpdate {
  TableName: string;
  Key: Key;
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** The task's update, guarded by its version (stamp it first). */
export function versionedUpdate(tableName: string, task: Task, builder: UpdateBuilder): VersionedUpdate {
  return {
    TableName: tableName,
    Key: taskKey(task.id),
    UpdateExpression: builder.expression,
    ConditionExpression: versionCondition(builder),
    ExpressionAttributeNames: builder.names,
    ExpressionAttributeValues: builder.values,
  };
}

/**
 * Why a versioned update was refused, from the item its condition saw: none (not found), the
 * version the caller read but finished (it takes no more updates), or another version.
 */
export function refusal(task: Task, old: Item | undefined): Error {
  if (!old) return new TaskNotFoundError(task.id);
  const current = itemToTask(old);
  if (current.version === task.version && isTerminal(current.status)) {
    return new TaskFinishedError(task.id, current.status, 'a finished task takes no more updates');
  }
  return new VersionConflictError(task.id, task.version);
}
