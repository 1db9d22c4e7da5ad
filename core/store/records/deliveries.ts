/**
 * Deliveries and intents: a task created from a webhook delivery (`DELIVERY#<id>`, 7 days) and,
 * when the trigger names one, its business intent (`INTENT#<key>`, while its task lives; a day at
 * most, as a safety net: the task's end deletes it, task-end.ts). One transaction puts the
 * delivery, the intent and the task, each conditioned on "not there yet" (an intent whose TTL has
 * passed no longer counts): the same delivery, or the same intent while it lives, creates nothing
 * the second time, however many arrive at once. A refusal is answered from the item its condition
 * saw (the task that was there first), never from a read after it.
 */
import type { Task } from '../../task.js';
import {
  DELIVERY_TTL_SECONDS,
  INTENT_TTL_SECONDS,
  deliveryKey,
  epochSeconds,
  intentKey as intentItemKey,
} from '../items.js';
import { TABLE } from '../table.js';
import type { CreateResult } from '../task-store.js';
import type { StoreTable, TransactItem } from './store-table.js';
import { putNewTask } from './tasks.js';
import { type Item, OLD_ITEM_ON_FAILURE, conditionFailed } from './write-errors.js';

/**
 * What an existing delivery or live intent says, if anything: our own task (an earlier attempt
 * committed though its answer was lost), another task, or nothing (gone again: ask once more).
 */
function answer(
  task: Task,
  delivery: Item | undefined,
  intent: Item | undefined,
  nowSeconds: number,
): CreateResult | undefined {
  if (delivery?.taskId === task.id) return { created: true, task };
  if (typeof delivery?.taskId === 'string') return { created: false, taskId: delivery.taskId };
  const live = Number(intent?.[TABLE.ttlAttribute] ?? 0) >= nowSeconds;
  if (typeof intent?.taskId === 'string' && live) return { created: false, taskId: intent.taskId };
  return undefined;
}

/**
 * One more write the creation depends on (a person's message claimed for the task it starts):
 * when its condition fails, nothing is created and `takenBy` reads whose it was from the item.
 */
export interface CreationClaim {
  item: TransactItem;
  takenBy(old: Item | undefined): string;
}

function creation(table: StoreTable, deliveryId: string, task: Task, nowSeconds: number): TransactItem[] {
  const notThere = {
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
  };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: table.tableName,
        Item: {
          ...deliveryKey(deliveryId),
          entity: 'delivery',
          taskId: task.id,
          receivedAt: task.createdAt,
          [TABLE.ttlAttribute]: nowSeconds + DELIVERY_TTL_SECONDS,
        },
        ...notThere,
        ...OLD_ITEM_ON_FAILURE,
      },
    },
  ];
  if (task.intentKey !== undefined) {
    items.push({
      Put: {
        TableName: table.tableName,
        Item: {
          ...intentItemKey(task.intentKey),
          entity: 'intent',
          taskId: task.id,
          createdAt: task.createdAt,
          [TABLE.ttlAttribute]: nowSeconds + INTENT_TTL_SECONDS,
        },
        // An intent whose TTL has passed no longer counts, even before DynamoDB deletes it.
        ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#expiresAt': TABLE.ttlAttribute },
        ExpressionAttributeValues: { ':now': nowSeconds },
        ...OLD_ITEM_ON_FAILURE,
      },
    });
  }
  items.push({ Put: putNewTask(table.tableName, task) });
  return items;
}

/** Create `task` (new, carrying its `intentKey` if any) for the delivery, at most once. */
export function createFromDelivery(
  table: StoreTable,
  deliveryId: string,
  task: Task,
  claim?: CreationClaim,
): Promise<CreateResult> {
  const intent = task.intentKey === undefined ? undefined : intentItemKey(task.intentKey);
  return table.retrying<CreateResult>(`createFromDelivery ${deliveryId}`, async (attempt) => {
    const nowSeconds = epochSeconds(table.now());
    // After a conflict, whoever won has most likely committed by now: look before writing again,
    // so that the losers of a burst stop competing. (The write's conditions stay the guard.)
    if (attempt > 0) {
      const delivery = await table.get(deliveryKey(deliveryId));
      const existing = intent && !delivery ? await table.get(intent) : undefined;
      const found = answer(task, delivery, existing, nowSeconds);
      if (found) return { retry: false, value: found };
    }
    const items = creation(table, deliveryId, task, nowSeconds);
    if (claim) items.push(claim.item);
    return table.transactStep<CreateResult>(items, { created: true, task }, (reasons, error) => {
      const claimAt = items.length - 1;
      if (claim && conditionFailed(reasons, claimAt)) {
        return { retry: false, value: { created: false, taskId: claim.takenBy(reasons[claimAt]?.item) } };
      }
      if (!conditionFailed(reasons, 0) && !(intent && conditionFailed(reasons, 1))) return undefined;
      const found = answer(task, reasons[0]?.item, intent ? reasons[1]?.item : undefined, nowSeconds);
      return found ? { retry: false, value: found } : { retry: true, cause: error };
    });
  });
}
