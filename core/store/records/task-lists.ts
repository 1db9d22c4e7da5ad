/**
 * Lists of tasks, each a query of one of the table's indexes (table.ts): by target, by repository,
 * by status and last update (the sweeper's), and all tasks by creation. Reads only; index reads
 * are eventually consistent, which every caller tolerates (the records themselves are read
 * strongly consistent by id).
 */
import type { Task, TaskStatus } from '../../task.js';
import {
  RECENT_PARTITION,
  itemToTask,
  repositoryPartition,
  statusPartition,
  targetPartition,
} from '../items.js';
import { TABLE } from '../table.js';
import type { StoreTable } from './store-table.js';

type Index = { name: string; partitionKey: string; sortKey: string };

function queryTasks(
  table: StoreTable,
  index: Index,
  partition: string,
  options: { newestFirst: boolean; limit?: number | undefined; before?: string; since?: string },
): Promise<Task[]> {
  const { before, since } = options;
  const bound =
    before !== undefined
      ? { condition: ' AND #sk < :bound', value: before }
      : since !== undefined
        ? { condition: ' AND #sk >= :bound', value: since }
        : undefined;
  return table
    .query(
      {
        IndexName: index.name,
        KeyConditionExpression: `#pk = :pk${bound?.condition ?? ''}`,
        ExpressionAttributeNames: bound
          ? { '#pk': index.partitionKey, '#sk': index.sortKey }
          : { '#pk': index.partitionKey },
        ExpressionAttributeValues: bound ? { ':pk': partition, ':bound': bound.value } : { ':pk': partition },
        ScanIndexForward: !options.newestFirst,
      },
      options.limit,
    )
    .then((items) => items.map(itemToTask));
}

/** Oldest first. */
export function listByTarget(table: StoreTable, repository: string, targetNumber: number): Promise<Task[]> {
  return queryTasks(table, TABLE.indexes.byTarget, targetPartition(repository, targetNumber), {
    newestFirst: false,
  });
}

/** Newest first; every task of the repository when `limit` is unset. */
export function listByRepository(table: StoreTable, repository: string, limit?: number): Promise<Task[]> {
  return queryTasks(table, TABLE.indexes.byRepository, repositoryPartition(repository), {
    newestFirst: true,
    limit,
  });
}

/** Newest first; every task when `limit` is unset. */
export function listRecent(table: StoreTable, limit?: number): Promise<Task[]> {
  return queryTasks(table, TABLE.indexes.recent, RECENT_PARTITION, { newestFirst: true, limit });
}

/** Every task created at or after `since` (ISO time), newest first. */
export function listCreatedSince(table: StoreTable, since: string): Promise<Task[]> {
  return queryTasks(table, TABLE.indexes.recent, RECENT_PARTITION, { newestFirst: true, since });
}

/** Tasks in `status` last updated before `before` (ISO time), oldest update first. */
export function listStale(table: StoreTable, status: TaskStatus, before: string): Promise<Task[]> {
  return queryTasks(table, TABLE.indexes.byStatus, statusPartition(status), { newestFirst: false, before });
}
