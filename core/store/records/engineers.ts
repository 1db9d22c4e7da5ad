/**
 * The responsible engineer of a target (`ENGINEER#<repo>#<number>`): one put conditioned on "none
 * yet", so the first claim wins; a later claim is answered with the winner, read from the item its
 * refused condition saw.
 */
import { engineerKey } from '../items.js';
import { type StoreTable, stringAt } from './store-table.js';
import { OLD_ITEM_ON_FAILURE, failedConditionItem, isConditionFailure } from './write-errors.js';

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
    return stringAt(failedConditionItem(error), 'login') ?? login;
  }
}

export const engineerOf = (table: StoreTable, repository: string, targetNumber: number) =>
  table.getString(engineerKey(repository, targetNumber), 'login');
