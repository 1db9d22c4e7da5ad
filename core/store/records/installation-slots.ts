/**
 * The installation's slots item (`SLOTS#<installation id>`): which tasks hold one of its slots
 * (a string set, `holders`), and the limit dispatch last applied. The deployment's slots item
 * (`SLOTS#deployment`, NIGHTSHIFT_MAX_DEPLOYMENT_TASKS) works the same way across installations. Taking a slot is one conditional
 * update (holders fewer than the limit, or already a holder) in a transaction on a live task
 * (live-task.ts); giving it back is part of the task's terminal transaction (task-end.ts), so a
 * task never ends still holding one. The set, not a number, is what makes both idempotent: a
 * retried take or a second end cannot count twice, and the count is always the set's size.
 */
import type { Task } from '../../task.js';
import { slotsKey } from '../items.js';
import type { SlotPool, SlotResult, SlotUsage } from '../task-store.js';
import { onLiveTask } from './live-task.js';
import type { StoreTable } from './store-table.js';

const NAMES = { '#holders': 'holders' };

/** The update that adds the task to the holders while there is room; its condition says "room". */
export function takeSlotUpdate(tableName: string, pool: SlotPool, taskId: string, limit: number) {
  return {
    TableName: tableName,
    Key: slotsKey(pool),
    UpdateExpression: 'SET #entity = :entity, #limit = :limit, #pool = :pool ADD #holders :me',
    ConditionExpression:
      'attribute_not_exists(#holders) OR contains(#holders, :id) OR size(#holders) < :limit',
    ExpressionAttributeNames: {
      ...NAMES,
      '#entity': 'entity',
      '#limit': 'limit',
      '#pool': typeof pool === 'number' ? 'installationId' : 'pool',
    },
    ExpressionAttributeValues: {
      ':entity': 'slots',
      ':limit': limit,
      ':pool': pool,
      ':me': new Set([taskId]),
      ':id': taskId,
    },
  };
}

/**
 * In a terminal transaction: "mine: give it back" (fails if it is no longer the task's) or "not
 * mine" (fails if it became the task's since it was read); see task-end.ts.
 */
export function releaseSlotAction(tableName: string, pool: SlotPool, taskId: string, mine: boolean) {
  const Key = slotsKey(pool);
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

/**
 * The task must exist and not be finished (a task that ended meanwhile gave back no slot it could
 * still take), and the slots item must have room or hold the task already. A refusal is answered
 * from the slots item as the condition saw it: full, so a definite "no".
 */
export function acquireSlot(
  table: StoreTable,
  task: Task,
  limit: number,
  pool: SlotPool = task.installationId,
): Promise<SlotResult> {
  return table.retrying<SlotResult>(`acquireSlot ${task.id} ${pool}`, () =>
    onLiveTask<SlotResult>(
      table,
      task.id,
      takeSlotUpdate(table.tableName, pool, task.id, limit),
      (old, error) => {
        if (slotHolders(old).has(task.id)) return { retry: false, value: { acquired: true } };
        const { running } = slotUsageOf(old);
        if (running >= limit) return { retry: false, value: { acquired: false, running, limit } };
        return { retry: true, cause: error }; // freed meanwhile
      },
    ),
  );
}

export async function slotUsage(table: StoreTable, pool: SlotPool): Promise<SlotUsage> {
  return slotUsageOf(await table.get(slotsKey(pool)));
}
