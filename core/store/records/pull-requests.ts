/**
 * Pull requests Nightshift opened (`PULL#<repo>#<number>` / `PULL`), and what became of them
 * (core/pull-request-outcome.ts). Opening is a put conditioned on "none yet" (an issue task that
 * adopts the pull request again changes nothing); closing and a person's push are updates
 * conditioned on the record existing, so an event about a pull request Nightshift did not open
 * records nothing. The records share the `recent` index with tasks, under a partition of their own
 * (`PULLS`, by opening time), so the figures of a period are one query.
 */
import type {
  PullRequestClosing,
  PullRequestOpening,
  PullRequestRecord,
} from '../../pull-request-outcome.js';
import { type Key, withoutUndefined } from '../items.js';
import { TABLE } from '../table.js';
import type { StoreTable } from './store-table.js';
import { UpdateBuilder } from './update-builder.js';
import { isConditionFailure } from './write-errors.js';

export const PULLS_PARTITION = 'PULLS';

export const pullRequestKey = (repository: string, number: number): Key => ({
  pk: `PULL#${repository.toLowerCase()}#${number}`,
  sk: 'PULL',
});

const { recent } = TABLE.indexes;
const BOOKKEEPING = new Set<string>([
  TABLE.partitionKey,
  TABLE.sortKey,
  'entity',
  recent.partitionKey,
  recent.sortKey,
]);

function toRecord(item: Record<string, unknown>): PullRequestRecord {
  return Object.fromEntries(
    Object.entries(item).filter(([name]) => !BOOKKEEPING.has(name)),
  ) as unknown as PullRequestRecord;
}

/** True when this call recorded it; false when it was already recorded. */
export async function recordPullRequestOpened(
  table: StoreTable,
  opening: PullRequestOpening,
): Promise<boolean> {
  try {
    await table.put({
      Item: {
        ...pullRequestKey(opening.repository, opening.number),
        entity: 'pull_request',
        ...withoutUndefined(opening),
        state: 'open',
        [recent.partitionKey]: PULLS_PARTITION,
        [recent.sortKey]: `${opening.openedAt}#${opening.repository.toLowerCase()}#${opening.number}`,
      },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function pullRequestRecord(
  table: StoreTable,
  repository: string,
  number: number,
): Promise<PullRequestRecord | undefined> {
  const item = await table.get(pullRequestKey(repository, number));
  return item ? toRecord(item) : undefined;
}

/** Update an existing record; false when there is none (not a pull request Nightshift opened). */
async function updateExisting(
  table: StoreTable,
  repository: string,
  number: number,
  builder: UpdateBuilder,
): Promise<boolean> {
  try {
    await table.update({
      Key: pullRequestKey(repository, number),
      UpdateExpression: builder.expression,
      ConditionExpression: `attribute_exists(${builder.name(TABLE.partitionKey)})`,
      ExpressionAttributeNames: builder.names,
      ExpressionAttributeValues: builder.values,
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Closed (merged or not); a pull request reopened and closed again keeps its last closing. */
export function recordPullRequestClosed(
  table: StoreTable,
  repository: string,
  number: number,
  closing: PullRequestClosing,
): Promise<boolean> {
  const { merged, ...figures } = closing;
  const builder = new UpdateBuilder().set('state', merged ? 'merged' : 'closed');
  for (const [name, value] of Object.entries(figures)) {
    if (value === undefined) builder.remove(name);
    else builder.set(name, value);
  }
  return updateExisting(table, repository, number, builder);
}

export function notePeoplePushed(table: StoreTable, repository: string, number: number): Promise<boolean> {
  return updateExisting(table, repository, number, new UpdateBuilder().set('peoplePushed', true));
}

/** Pull requests opened at or after `since` (ISO time), oldest first. */
export async function listPullRequests(table: StoreTable, since: string): Promise<PullRequestRecord[]> {
  const items = await table.query({
    IndexName: recent.name,
    KeyConditionExpression: '#pk = :pk AND #sk >= :since',
    ExpressionAttributeNames: { '#pk': recent.partitionKey, '#sk': recent.sortKey },
    ExpressionAttributeValues: { ':pk': PULLS_PARTITION, ':since': since },
  });
  return items.map(toRecord);
}
