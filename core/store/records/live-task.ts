/**
 * "On a live task": one transaction that applies a write to an item beside a task (the target's
 * lock, the installation's slots) only while the task exists and has not finished. So a late
 * caller (a dispatch that lost its task meanwhile) can never leave a lock or a slot behind a
 * finished task: the terminal write (task-end.ts) gives back what the task holds, and nothing can
 * be taken after it.
 */
import { TERMINAL_STATUSES, isTerminal } from '../../task.js';
import { itemToTask, taskKey } from '../items.js';
import type { RetryStep } from '../retry.js';
import { TABLE } from '../table.js';
import { TaskFinishedError, TaskNotFoundError } from '../task-store.js';
import type { StoreTable, TransactItem, TransactUpdate } from './store-table.js';
import { type Item, OLD_ITEM_ON_FAILURE, conditionFailed } from './write-errors.js';

/**
 * Apply `update` on a live task: `{ acquired: true }` once written. A task that is missing or
 * finished throws; when `update`'s own condition fails, `onTaken` reads the answer from the item
 * that condition saw; a transient conflict asks to retry.
 */
export function onLiveTask<T extends { acquired: boolean }>(
  table: StoreTable,
  taskId: string,
  update: TransactUpdate,
  onTaken: (old: Item | undefined, error: unknown) => RetryStep<T>,
): Promise<RetryStep<T>> {
  const terminal = Object.fromEntries(TERMINAL_STATUSES.map((status, i) => [`:terminal${i}`, status]));
  const items: TransactItem[] = [
    {
      ConditionCheck: {
        TableName: table.tableName,
        Key: taskKey(taskId),
        ConditionExpression: `attribute_exists(#pk) AND NOT (#status IN (${Object.keys(terminal).join(', ')}))`,
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#status': 'status' },
        ExpressionAttributeValues: terminal,
        ...OLD_ITEM_ON_FAILURE,
      },
    },
    { Update: { ...update, ...OLD_ITEM_ON_FAILURE } },
  ];
  return table.transactStep(items, { acquired: true } as T, (reasons, error) => {
    if (conditionFailed(reasons, 0)) {
      const old = reasons[0]?.item;
      if (!old) throw new TaskNotFoundError(taskId);
      const { status } = itemToTask(old);
      if (isTerminal(status)) throw new TaskFinishedError(taskId, status);
      return { retry: true, cause: error };
    }
    return conditionFailed(reasons, 1) ? onTaken(reasons[1]?.item, error) : undefined;
  });
}
