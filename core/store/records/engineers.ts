/**
 * The responsible engineer of a target (`ENGINEER#<repo>#<number>`): one put conditioned on "none
 * yet", so the first claim wins; a later claim is answered with the winner, read from the item its
 * refused condition saw.
 */
import { engineerKey } from '../items.js';
import type { StoreTable } from './store-table.js';
import { type Item, OLD_ITEM_ON_FAILURE, failedConditionItem, isConditionFailure } from './write-errors.js';

const loginOf = (item: Item | undefined): string | undefined =>
  typeof item?.login === 'string' ? item.login : undefined;

export async function claimEngineer(
  table: StoreTable,
  repository: string,
  targetNumber: number,
  login: string,
): Promise<string> {
  try {
    await table.put({
      Item: { ...engineerKey(repository, targetNumber), entity: 'engineer', login },
      ConditionExpression: 'attribute_not_exists(pk)',
      ...OLD_ITEM_ON_FAILURE,
    });
    return login;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return loginOf(failedConditionItem(error)) ?? login;
  }
}

export async function engineerOf(
  table: StoreTable,
  repository: string,
  targetNumber: number,
): Promise<string | undefined> {
  return loginOf(await table.get(engineerKey(repository, targetNumber)));
}
