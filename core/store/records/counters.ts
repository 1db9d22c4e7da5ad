/**
 * Counters (`COUNTER#<key>`), e.g. CI-fix attempts per pull request: one atomic `ADD` per
 * increment, so concurrent increments never lose a count; the write returns the new value.
 */
import { counterKey } from '../items.js';
import type { StoreTable } from './store-table.js';
import { UpdateBuilder } from './update-builder.js';

export async function increment(table: StoreTable, key: string): Promise<number> {
  const builder = new UpdateBuilder().set('entity', 'counter').add('value', 1);
  const result = await table.update({
    Key: counterKey(key),
    UpdateExpression: builder.expression,
    ExpressionAttributeNames: builder.names,
    ExpressionAttributeValues: builder.values,
    ReturnValues: 'UPDATED_NEW',
  });
  return Number(result.Attributes?.value ?? 0);
}

export async function counter(table: StoreTable, key: string): Promise<number> {
  return Number((await table.get(counterKey(key)))?.value ?? 0);
}
