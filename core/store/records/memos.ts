/**
 * Memos (`MEMO#<key>`): "do this at most once per `ttlSeconds`". One put conditioned on "none, or
 * the last one expired" (checked against the clock, even before DynamoDB's TTL deletes it), so of
 * concurrent claimers exactly one gets true.
 */
import { epochSeconds, memoKey } from '../items.js';
import { TABLE } from '../table.js';
import type { StoreTable } from './store-table.js';
import { isConditionFailure } from './write-errors.js';

export async function claimMemo(table: StoreTable, key: string, ttlSeconds: number): Promise<boolean> {
  const nowSeconds = epochSeconds(table.now());
  try {
    await table.put({
      Item: { ...memoKey(key), entity: 'memo', [TABLE.ttlAttribute]: nowSeconds + ttlSeconds },
      ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#expiresAt': TABLE.ttlAttribute },
      ExpressionAttributeValues: { ':now': nowSeconds },
    });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
