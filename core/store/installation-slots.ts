/**
 * The installation's slots item, as DynamoDB write actions: which tasks hold one of its slots
 * (a string set, `holders`), and the limit dispatch last applied. Taking a slot is one conditional
 * update (holders fewer than the limit, or already a holder); giving it back is part of the task's
 * terminal transaction (dynamo-task-store.ts `finish`), so a task never ends still holding one.
 * The set, not a number, is what makes both idempotent: a retried take or a second end cannot
 * count twice, and the count is always the set's size.
 */
import { slotsKey } from './items.js';
import type { SlotUsage } from './task-store.js';

const NAMES = { '#holders': 'holders' };

/** The update that adds the task to the holders while there is room; its condition says "room". */
export function takeSlotUpdate(tableName: string, installationId: number, taskId: string, limit: number) {
  return {
    TableName: tableName,
    Key: slotsKey(installationId),
    UpdateExpression:
      'SET #entity = :entity, #limit = :limit, #installationId = :installation ADD #holders :me',
    ConditionExpression:
      'attribute_not_exists(#holders) OR contains(#holders, :id) OR size(#holders) < :limit',
    ExpressionAttributeNames: {
      ...NAMES,
      '#entity': 'entity',
      '#limit': 'limit',
      '#installationId': 'installationId',
    },
    ExpressionAttributeValues: {
      ':entity': 'slots',
      ':limit': limit,
      ':installation': installationId,
      ':me': new Set([taskId]),
      ':id': taskId,
    },
  };
}

/**
 * In a terminal transaction: "mine: give it back" (fails if it is no longer the task's) or "not
 * mine" (fails if it became the task's since it was read); see `finish`.
 */
export function releaseSlotAction(tableName: string, installationId: number, taskId: string, mine: boolean) {
  const Key = slotsKey(installationId);
  return mine
    ? {
        Update: {
          TableName: tableName,
          Key,
          UpdateExpression: 'DELETE #holders :me',
          ConditionExpression: 'contains(#holders, :id)',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ':me': new Set([taskId]), ':id': taskId },
        },
      }
    : {
        ConditionCheck: {
          TableName: tableName,
          Key,
          ConditionExpression: 'attribute_not_exists(#holders) OR NOT contains(#holders, :id)',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ':id': taskId },
        },
      };
}

export function slotHolders(item: Record<string, unknown> | undefined): Set<string> {
  const holders = item?.holders;
  return holders instanceof Set ? (holders as Set<string>) : new Set();
}

export function slotUsageOf(item: Record<string, unknown> | undefined): SlotUsage {
  const limit = item?.limit;
  return { running: slotHolders(item).size, ...(typeof limit === 'number' ? { limit } : {}) };
}
