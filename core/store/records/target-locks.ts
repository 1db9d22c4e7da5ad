/**
 * The target's lock (`LOCK#<repo>#<number>`): one task at a time per issue or pull request.
 * Taking it is one transaction on a live task (live-task.ts) whose condition is "free, or already
 * mine", so of any number of concurrent takers exactly one wins, and retaking is idempotent.
 * Releasing is a delete conditioned on "mine"; a task's end releases it in its terminal
 * transaction (task-end.ts).
 */
import type { Task } from '../../task.js';
import { lockKey } from '../items.js';
import { TABLE } from '../table.js';
import type { LockResult } from '../task-store.js';
import { onLiveTask } from './live-task.js';
import { type StoreTable, type TransactUpdate, stringAt } from './store-table.js';
import { isConditionFailure } from './write-errors.js';

function takeLockUpdate(tableName: string, task: Task, now: string): TransactUpdate {
  return {
    TableName: tableName,
    Key: lockKey(task.repository, task.target.number),
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
}

/**
 * The task must exist and not be finished (so a late caller cannot leave a lock behind a finished
 * task), and the lock must be free or already this task's.
 */
export function acquireLock(table: StoreTable, task: Task): Promise<LockResult> {
  return table.retrying<LockResult>(`acquireLock ${task.id}`, async (attempt) => {
    // After a conflict, look before writing again: a lock someone else holds is a definite "no".
    if (attempt > 0) {
      const holder = await lockHolder(table, task.repository, task.target.number);
      if (holder === task.id) return { retry: false, value: { acquired: true } };
      if (holder !== undefined) return { retry: false, value: { acquired: false, holderTaskId: holder } };
    }
    const update = takeLockUpdate(table.tableName, task, table.now().toISOString());
    return onLiveTask<LockResult>(table, task.id, update, (old, error) => {
      // The lock as its condition saw it: another task's (a definite "no"), or gone meanwhile.
      const holder = stringAt(old, 'taskId');
      if (holder !== undefined && holder !== task.id) {
        return { retry: false, value: { acquired: false, holderTaskId: holder } };
      }
      return { retry: true, cause: error };
    });
  });
}

/** Release the target's lock if this task holds it. */
export async function releaseLock(table: StoreTable, task: Task): Promise<void> {
  try {
    await table.delete({
      Key: lockKey(task.repository, task.target.number),
      ConditionExpression: '#taskId = :me',
      ExpressionAttributeNames: { '#taskId': 'taskId' },
      ExpressionAttributeValues: { ':me': task.id },
    });
  } catch (error) {
    if (!isConditionFailure(error)) throw error; // not held by this task: nothing to do
  }
}

export const lockHolder = (table: StoreTable, repository: string, targetNumber: number) =>
  table.getString(lockKey(repository, targetNumber), 'taskId');
