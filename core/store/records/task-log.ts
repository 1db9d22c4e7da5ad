/**
 * A task's progress log: one item per line beside the task (`TASK#<id>` / `LOG#<time>#<seq>`,
 * 90 days). Lines are only ever added, each under a key no other writer uses, so plain puts are
 * safe; reading is one strongly consistent query of the task's partition, in order.
 */
import { randomUUID } from 'node:crypto';
import { LOG_PREFIX, LOG_TTL_SECONDS, epochSeconds, logSortKey, taskKey } from '../items.js';
import { TABLE } from '../table.js';
import type { LogEntry } from '../task-store.js';
import type { StoreTable } from './store-table.js';

/** A log message longer than this is cut (an item may not exceed 400 KB). */
export const MAX_LOG_MESSAGE_CHARS = 100_000;

/** This process's sequence: lines of one millisecond keep the order they were written in. */
let logSeq = 0;

export async function appendLog(
  table: StoreTable,
  taskId: string,
  phase: string,
  message: string,
): Promise<void> {
  const now = table.now();
  const at = now.toISOString();
  // The random tail keeps two processes from writing the same key.
  const seq = `${String(logSeq++).padStart(10, '0')}-${randomUUID().slice(0, 8)}`;
  const text =
    message.length > MAX_LOG_MESSAGE_CHARS ? `${message.slice(0, MAX_LOG_MESSAGE_CHARS)}… (cut)` : message;
  await table.put({
    Item: {
      pk: taskKey(taskId).pk,
      sk: logSortKey(at, seq),
      entity: 'log',
      at,
      phase,
      message: text,
      [TABLE.ttlAttribute]: epochSeconds(now) + LOG_TTL_SECONDS,
    },
  });
}

export async function readLog(table: StoreTable, taskId: string): Promise<LogEntry[]> {
  const items = await table.query({
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
