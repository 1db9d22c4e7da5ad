/**
 * People's messages to the agent (`INBOX#<repo>#<number>` / `MSG#<comment id>`, 7 days): a comment
 * `/agent <words>` on a target, one item per comment, so two deliveries of the same webhook record
 * it once (a put conditioned on "not there yet"; the later one reads the first one's route).
 *
 * A message moves `received` → `allowed` (dispatch checked its author may trigger) → `taken` (by
 * the running task's agent, or by the follow-up task it starts), or `received` → `refused`. Taking
 * is an update conditioned on `allowed`, so of any number of takers exactly one gets it: delivery
 * is exactly once. A message whose agent's process died before its task ended goes back to
 * `allowed` (returnTakenMessages), so that it starts a follow-up rather than being lost. A message that intake routed to a new task instead is recorded `task`, so a
 * later delivery of the same comment takes the same route.
 *
 * Whether an agent listens on the target is an attribute of the target's lock (`inboxOpen`), set
 * by the holder while its agent may still take messages and gone with the lock: a strongly
 * consistent read, never an index that lags (core/messages.ts says why that matters).
 */
import type { InboxMessage, MessageState } from '../task-store.js';
import { DAY_SECONDS, epochSeconds, inboxKey, inboxPartition, lockKey, MESSAGE_PREFIX } from '../items.js';
import { TABLE } from '../table.js';
import type { Task } from '../../task.js';
import type { CreationClaim } from './deliveries.js';
import type { StoreTable } from './store-table.js';
import { type Item, OLD_ITEM_ON_FAILURE, failedConditionItem, isConditionFailure } from './write-errors.js';

export const MESSAGE_TTL_SECONDS = 7 * DAY_SECONDS;

const FIELDS = [
  'repository',
  'installationId',
  'target',
  'commentId',
  'author',
  'text',
  'route',
  'state',
  'takenBy',
  'receivedAt',
] as const;

function itemToMessage(item: Item): InboxMessage {
  const message: Record<string, unknown> = {};
  for (const field of FIELDS) if (item[field] !== undefined) message[field] = item[field];
  return message as unknown as InboxMessage;
}

type NewMessage = Omit<InboxMessage, 'state' | 'takenBy' | 'receivedAt'>;

/** Record the message once; returns the stored one (this one, or the one recorded first). */
export async function recordMessage(table: StoreTable, message: NewMessage): Promise<InboxMessage> {
  const now = table.now();
  const stored: InboxMessage = {
    ...message,
    state: message.route === 'task' ? 'task' : 'received',
    receivedAt: now.toISOString(),
  };
  try {
    await table.put({
      Item: {
        ...inboxKey(message.repository, message.target.number, message.commentId),
        entity: 'message',
        ...stored,
        [TABLE.ttlAttribute]: epochSeconds(now) + MESSAGE_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      ...OLD_ITEM_ON_FAILURE,
    });
    return stored;
  } catch (error) {
    const old = failedConditionItem(error);
    if (old) return itemToMessage(old);
    if (isConditionFailure(error)) {
      const again = await getMessage(table, message.repository, message.target.number, message.commentId);
      if (again) return again;
    }
    throw error;
  }
}

export async function getMessage(
  table: StoreTable,
  repository: string,
  targetNumber: number,
  commentId: number,
): Promise<InboxMessage | undefined> {
  const item = await table.get(inboxKey(repository, targetNumber, commentId));
  return item ? itemToMessage(item) : undefined;
}

/** `from` → `to`; false when the message was not in `from` (someone moved it first). */
export async function moveMessage(
  table: StoreTable,
  message: Pick<InboxMessage, 'repository' | 'target' | 'commentId'>,
  from: MessageState,
  to: MessageState,
  takenBy?: string,
): Promise<boolean> {
  try {
    await table.update({
      Key: inboxKey(message.repository, message.target.number, message.commentId),
      UpdateExpression: takenBy ? 'SET #state = :to, #takenBy = :by' : 'SET #state = :to',
      ConditionExpression: '#state = :from',
      ExpressionAttributeNames: { '#state': 'state', ...(takenBy ? { '#takenBy': 'takenBy' } : {}) },
      ExpressionAttributeValues: { ':from': from, ':to': to, ...(takenBy ? { ':by': takenBy } : {}) },
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The target's messages in `state`, oldest comment first (one consistent query). */
export async function messagesIn(
  table: StoreTable,
  repository: string,
  targetNumber: number,
  state: MessageState,
): Promise<InboxMessage[]> {
  const items = await table.query({
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :msg)',
    FilterExpression: '#state = :state',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey, '#state': 'state' },
    ExpressionAttributeValues: {
      ':pk': inboxPartition(repository, targetNumber),
      ':msg': MESSAGE_PREFIX,
      ':state': state,
    },
    ConsistentRead: true,
  });
  return items.map(itemToMessage);
}

/** Every allowed message of the target this task wins, in order; each is taken once, by one task. */
export async function takeMessages(table: StoreTable, task: Task): Promise<InboxMessage[]> {
  const allowed = await messagesIn(table, task.repository, task.target.number, 'allowed');
  const taken: InboxMessage[] = [];
  for (const message of allowed) {
    if (await moveMessage(table, message, 'allowed', 'taken', task.id)) {
      taken.push({ ...message, state: 'taken', takenBy: task.id });
    }
  }
  return taken;
}

/**
 * The messages `task`'s agent took (not the one it was started with), allowed again: for a task
 * whose process died, so that its people's words start a follow-up instead of being lost. Each
 * move is conditioned on the message still being this task's. Returns how many.
 */
export async function returnTakenMessages(table: StoreTable, task: Task): Promise<number> {
  const taken = await messagesIn(table, task.repository, task.target.number, 'taken');
  let returned = 0;
  for (const message of taken) {
    if (message.takenBy !== task.id || message.commentId === task.trigger.commentId) continue;
    try {
      await table.update({
        Key: inboxKey(message.repository, message.target.number, message.commentId),
        UpdateExpression: 'SET #state = :allowed REMOVE #takenBy',
        ConditionExpression: '#state = :taken AND #takenBy = :me',
        ExpressionAttributeNames: { '#state': 'state', '#takenBy': 'takenBy' },
        ExpressionAttributeValues: { ':allowed': 'allowed', ':taken': 'taken', ':me': task.id },
      });
      returned += 1;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  return returned;
}

/** In the transaction that creates the follow-up task: the message becomes that task's, once. */
export function claimForTask(table: StoreTable, message: InboxMessage, taskId: string): CreationClaim {
  return {
    item: {
      Update: {
        TableName: table.tableName,
        Key: inboxKey(message.repository, message.target.number, message.commentId),
        UpdateExpression: 'SET #state = :taken, #takenBy = :by',
        ConditionExpression: '#state = :allowed',
        ExpressionAttributeNames: { '#state': 'state', '#takenBy': 'takenBy' },
        ExpressionAttributeValues: { ':taken': 'taken', ':allowed': 'allowed', ':by': taskId },
        ...OLD_ITEM_ON_FAILURE,
      },
    },
    takenBy: (old) => (typeof old?.takenBy === 'string' ? old.takenBy : ''),
  };
}

/**
 * Open (or close) the task's inbox: an attribute of the target's lock, written only while the task
 * holds it. Closing a lock the task no longer holds is nothing to do.
 */
export async function setInbox(table: StoreTable, task: Task, open: boolean): Promise<boolean> {
  try {
    await table.update({
      Key: lockKey(task.repository, task.target.number),
      UpdateExpression: open ? 'SET #inbox = :open' : 'REMOVE #inbox',
      ConditionExpression: '#taskId = :me',
      ExpressionAttributeNames: { '#inbox': 'inboxOpen', '#taskId': 'taskId' },
      ExpressionAttributeValues: { ':me': task.id, ...(open ? { ':open': true } : {}) },
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The task whose agent listens on the target now, if any. */
export async function listeningTask(
  table: StoreTable,
  repository: string,
  targetNumber: number,
): Promise<string | undefined> {
  const lock = await table.get(lockKey(repository, targetNumber));
  return lock?.inboxOpen === true && typeof lock.taskId === 'string' ? lock.taskId : undefined;
}
