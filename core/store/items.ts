/**
 * How the store lays its records out in the one table (see table.ts for the key and index names).
 * Pure functions: keys, index attributes, and the mapping between a Task and its item.
 *
 * | record   | pk                          | sk                    | also                              |
 * |----------|-----------------------------|-----------------------|-----------------------------------|
 * | task     | TASK#<id>                   | TASK                  | gsi1..gsi4 keys; never expires    |
 * | log line | TASK#<id>                   | LOG#<iso time>#<seq>  | expiresAt: 90 days                |
 * | session  | TASK#<id>                   | SESSION#<seq>         | entry (JSON), expiresAt: 90 days  |
 * | delivery | DELIVERY#<delivery id>      | DELIVERY              | taskId, expiresAt: 7 days         |
 * | intent   | INTENT#<intent key>         | INTENT                | taskId, expiresAt: 1 day          |
 * | lock     | LOCK#<owner/name>#<number>  | LOCK                  | taskId, acquiredAt                |
 * | counter  | COUNTER#<key>               | COUNTER               | value                             |
 * | engineer | ENGINEER#<repo>#<n>         | ENGINEER              | login (first writer wins)         |
 * | label    | REPO#<repo>                 | LABEL                 | label (from the repo's config)    |
 * | slots    | SLOTS#<installation id>     | SLOTS                 | holders (string set), limit       |
 * | slots    | SLOTS#deployment            | SLOTS                 | the same, for the whole deployment |
 * | memo     | MEMO#<key>                  | MEMO                  | expiresAt: as claimed (e.g. 1 h)  |
 * | message  | INBOX#<repo>#<number>       | MSG#<comment id>      | author, text, state; 7 days       |
 * | spend    | SPEND#<month>#<scope>#<name>| SPEND                 | usd (atomic ADDs), expiresAt: 400 d |
 * | pull req | PULL#<repo>#<n>             | PULL                  | its outcome; gsi4: PULLS by opening |
 */
import type { Task, TaskStatus } from '../task.js';
import { TABLE } from './table.js';

export const DAY_SECONDS = 24 * 60 * 60;
export const DELIVERY_TTL_SECONDS = 7 * DAY_SECONDS;
/** A safety net only: an intent is deleted when its task finishes. */
export const INTENT_TTL_SECONDS = DAY_SECONDS;
export const LOG_TTL_SECONDS = 90 * DAY_SECONDS;

export type Key = { pk: string; sk: string };

export const taskKey = (taskId: string): Key => ({ pk: `TASK#${taskId}`, sk: 'TASK' });
export const deliveryKey = (deliveryId: string): Key => ({ pk: `DELIVERY#${deliveryId}`, sk: 'DELIVERY' });
export const intentKey = (key: string): Key => ({ pk: `INTENT#${key}`, sk: 'INTENT' });
/** One lock per target, whatever its kind: the same key as core/task.ts's targetKey. */
export const lockKey = (repository: string, targetNumber: number): Key => ({
  pk: `LOCK#${repository.toLowerCase()}#${targetNumber}`,
  sk: 'LOCK',
});
/**
 * One per installation, and one for the whole deployment: the tasks holding one of its slots
 * (installation-slots.ts). An installation id is a number, so `deployment` never collides with one.
 */
export const slotsKey = (pool: number | 'deployment'): Key => ({ pk: `SLOTS#${pool}`, sk: 'SLOTS' });
export const memoKey = (key: string): Key => ({ pk: `MEMO#${key}`, sk: 'MEMO' });
/** A month's spend of a repository or an installation (store/records/spend.ts). */
export const spendKey = (month: string, scope: 'repository' | 'installation', name: string): Key => ({
  pk: `SPEND#${month}#${scope}#${name.toLowerCase()}`,
  sk: 'SPEND',
});
export const counterKey = (key: string): Key => ({ pk: `COUNTER#${key}`, sk: 'COUNTER' });
export const repoLabelKey = (repository: string): Key => ({
  pk: `REPO#${repository.toLowerCase()}`,
  sk: 'LABEL',
});
export const engineerKey = (repository: string, targetNumber: number): Key => ({
  pk: `ENGINEER#${repository.toLowerCase()}#${targetNumber}`,
  sk: 'ENGINEER',
});
export const MESSAGE_PREFIX = 'MSG#';
export const inboxPartition = (repository: string, targetNumber: number): string =>
  `INBOX#${repository.toLowerCase()}#${targetNumber}`;
/** Comment ids padded, so a target's messages sort in the order they were written. */
export const inboxKey = (repository: string, targetNumber: number, commentId: number): Key => ({
  pk: inboxPartition(repository, targetNumber),
  sk: `${MESSAGE_PREFIX}${String(commentId).padStart(20, '0')}`,
});
export const LOG_PREFIX = 'LOG#';
export const logSortKey = (at: string, seq: string): string => `${LOG_PREFIX}${at}#${seq}`;
export const SESSION_PREFIX = 'SESSION#';
/** Zero-padded, so that the keys sort as the numbers do. */
export const sessionSortKey = (seq: number): string => `${SESSION_PREFIX}${String(seq).padStart(8, '0')}`;

export const targetPartition = (repository: string, targetNumber: number): string =>
  `TARGET#${repository.toLowerCase()}#${targetNumber}`;
export const repositoryPartition = (repository: string): string => `REPO#${repository.toLowerCase()}`;
export const statusPartition = (status: TaskStatus): string => `STATUS#${status}`;
export const RECENT_PARTITION = 'TASK';
export const statusSortKey = (updatedAt: string, taskId: string): string => `${updatedAt}#${taskId}`;

/** Epoch seconds, the unit of the TTL attribute. */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

const { indexes } = TABLE;

/** The index attributes of a task item. */
export function taskIndexAttributes(task: Task): Record<string, string> {
  const created = `${task.createdAt}#${task.id}`;
  return {
    [indexes.byTarget.partitionKey]: targetPartition(task.repository, task.target.number),
    [indexes.byTarget.sortKey]: created,
    [indexes.byRepository.partitionKey]: repositoryPartition(task.repository),
    [indexes.byRepository.sortKey]: created,
    [indexes.byStatus.partitionKey]: statusPartition(task.status),
    [indexes.byStatus.sortKey]: statusSortKey(task.updatedAt, task.id),
    [indexes.recent.partitionKey]: RECENT_PARTITION,
    [indexes.recent.sortKey]: created,
  };
}

/** The attributes that are the store's bookkeeping, not the task's. */
const BOOKKEEPING = new Set<string>([
  TABLE.partitionKey,
  TABLE.sortKey,
  'entity',
  TABLE.ttlAttribute,
  ...Object.values(indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
]);

/** The task's item. Tasks get no TTL attribute: they are the history and are kept. */
export function taskToItem(task: Task): Record<string, unknown> {
  return { ...taskKey(task.id), entity: 'task', ...withoutUndefined(task), ...taskIndexAttributes(task) };
}

export function itemToTask(item: Record<string, unknown>): Task {
  const task: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (!BOOKKEEPING.has(name) && value !== undefined) task[name] = value;
  }
  return task as unknown as Task;
}

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
