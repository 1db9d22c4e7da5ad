/**
 * A task's session log (core/session-log/): one item per entry beside the task
 * (`TASK#<id>` / `SESSION#<seq>`, 90 days like the progress log). The one process running the
 * task numbers its entries, so each key has one writer and plain puts are safe. An entry is
 * bounded before it is written (`boundEntry`), so an item stays under MAX_ENTRY_CHARS whatever the
 * model or its tools printed. Reading is one strongly consistent query of the task's partition,
 * from the start or after the last entry a reader has (`nightshift show --follow`).
 */
import { boundEntry, type SessionEntry, type StoredSessionEntry } from '../../session-log/entries.js';
import { LOG_TTL_SECONDS, SESSION_PREFIX, epochSeconds, sessionSortKey, taskKey } from '../items.js';
import { TABLE } from '../table.js';
import type { StoreTable } from './store-table.js';

export async function appendSessionEntry(
  table: StoreTable,
  taskId: string,
  seq: number,
  entry: SessionEntry,
): Promise<void> {
  await table.put({
    Item: {
      pk: taskKey(taskId).pk,
      sk: sessionSortKey(seq),
      entity: 'session',
      seq,
      entry: JSON.stringify(boundEntry(entry)),
      [TABLE.ttlAttribute]: epochSeconds(table.now()) + LOG_TTL_SECONDS,
    },
  });
}

/** The task's entries in order; with `afterSeq`, only those after it. */
export async function readSession(
  table: StoreTable,
  taskId: string,
  afterSeq = -1,
): Promise<StoredSessionEntry[]> {
  const items = await table.query({
    KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
    ExpressionAttributeValues: {
      ':pk': taskKey(taskId).pk,
      ':from': sessionSortKey(afterSeq + 1),
      // After every digit: the end of the session's keys.
      ':to': `${SESSION_PREFIX}~`,
    },
    ScanIndexForward: true,
    ConsistentRead: true,
  });
  return items.map((item) => ({
    seq: Number(item.seq),
    entry: JSON.parse(String(item.entry)) as SessionEntry,
  }));
}
