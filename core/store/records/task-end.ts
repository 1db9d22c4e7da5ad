/**
 * A task's terminal write: one transaction updates the task item (guarded by its version, as every
 * task write: task-writes.ts) and gives back everything the task holds: the target's lock
 * (`LOCK#…`), its intent (`INTENT#…`, so a new trigger of the same intent may start a task), its
 * installation slot (`SLOTS#<id>`) and its deployment slot (`SLOTS#deployment`). So a task never ends still holding any of them.
 *
 * A read only makes the first guess of what the task holds; the "if" is decided by conditions:
 * each action asserts either "mine: give it back" or "not mine", and when an assertion turns out
 * wrong (it changed since the read) the transaction is cancelled and retried the other way. So a
 * lock taken after the read is never left behind, and nothing of another task's is touched.
 */
import type { Task } from '../../task.js';
import { type Key, intentKey, lockKey, slotsKey } from '../items.js';
import { TABLE } from '../table.js';
import { releaseSlotAction, slotHolders } from './installation-slots.js';
import type { StoreTable, TransactItem } from './store-table.js';
import { refusal, type VersionedUpdate } from './task-writes.js';
import { OLD_ITEM_ON_FAILURE, conditionFailed } from './write-errors.js';

/** "Mine: delete it" (fails if it is no longer the task's) or "not mine" (fails if it became so). */
function mineOrNot(tableName: string, key: Key, taskId: string, mine: boolean): TransactItem {
  return mine
    ? {
        Delete: {
          TableName: tableName,
          Key: key,
          ConditionExpression: '#taskId = :me',
          ExpressionAttributeNames: { '#taskId': 'taskId' },
          ExpressionAttributeValues: { ':me': taskId },
        },
      }
    : {
        ConditionCheck: {
          TableName: tableName,
          Key: key,
          ConditionExpression: 'attribute_not_exists(#pk) OR #taskId <> :me',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#taskId': 'taskId' },
          ExpressionAttributeValues: { ':me': taskId },
        },
      };
}

/**
 * Apply `update` (the task's terminal update) and give back what the task holds, in one
 * transaction. Throws what a refused task update means (task-writes.ts `refusal`).
 */
export async function writeTaskEnd(
  table: StoreTable,
  task: Task,
  update: VersionedUpdate,
  /** More actions of the same write, after the others (the spend the end adds: spend.ts). */
  extra: readonly TransactItem[] = [],
): Promise<void> {
  const { tableName } = table;
  const lock = lockKey(task.repository, task.target.number);
  const intent = task.intentKey === undefined ? undefined : intentKey(task.intentKey);
  const [lockItem, intentItem, slotsItem, deploymentItem] = await Promise.all([
    table.get(lock),
    intent ? table.get(intent) : Promise.resolve(undefined),
    table.get(slotsKey(task.installationId)),
    table.get(slotsKey('deployment')),
  ]);
  let holdsLock = lockItem?.taskId === task.id;
  let ownsIntent = intentItem?.taskId === task.id;
  let holdsSlot = slotHolders(slotsItem).has(task.id);
  let holdsDeploymentSlot = slotHolders(deploymentItem).has(task.id);

  await table.retrying<void>(`transition ${task.id}`, async () => {
    const items: TransactItem[] = [
      { Update: { ...update, ...OLD_ITEM_ON_FAILURE } },
      mineOrNot(tableName, lock, task.id, holdsLock),
    ];
    if (intent) items.push(mineOrNot(tableName, intent, task.id, ownsIntent));
    const slotAt = items.length;
    items.push(releaseSlotAction(tableName, task.installationId, task.id, holdsSlot));
    items.push(releaseSlotAction(tableName, 'deployment', task.id, holdsDeploymentSlot));
    items.push(...extra);
    return table.transactStep<void>(items, undefined, (reasons, error) => {
      if (conditionFailed(reasons, 0)) throw refusal(task, reasons[0]?.item);
      const lockWrong = conditionFailed(reasons, 1);
      const intentWrong = intent !== undefined && conditionFailed(reasons, 2);
      const slotWrong = conditionFailed(reasons, slotAt);
      const deploymentWrong = conditionFailed(reasons, slotAt + 1);
      if (lockWrong) holdsLock = !holdsLock;
      if (intentWrong) ownsIntent = !ownsIntent;
      if (slotWrong) holdsSlot = !holdsSlot;
      if (deploymentWrong) holdsDeploymentSlot = !holdsDeploymentSlot;
      const wrong = lockWrong || intentWrong || slotWrong || deploymentWrong;
      return wrong ? { retry: true, cause: error } : undefined;
    });
  });
}
