/**
 * `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'` on a single-item write, for the embedded store.
 * DynamoDB then puts the item the condition saw into its ConditionalCheckFailedException (`Item`),
 * and the store answers from it instead of reading again. dynalite (v4) accepts the parameter but
 * ignores it, so the front answers such a write itself: it sends the write to dynalite and, if the
 * condition failed, reads the item and adds it to the answer. The caller holds the item's lock
 * throughout (item-locks.ts), so no other request changes the item between the two: what is read
 * is exactly what the condition saw. Transactions supply it in embedded-transactions.ts.
 */
import type { KeySchemaOf, WireCall, WireItem, WireResponse } from './embedded-transactions.js';

const SINGLE_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether this request is a single-item write that asks for the old item on a failed condition. */
export const wantsOldItem = (operation: string, input: unknown): input is Record<string, unknown> =>
  SINGLE_WRITES.has(operation) && isObject(input) && input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD';

/** Send the write; on a failed condition, answer with the item it saw. Hold the item's lock. */
export async function writeReturningOldItem(
  operation: string,
  input: Record<string, unknown>,
  call: WireCall,
  keySchemaOf: KeySchemaOf,
): Promise<WireResponse> {
  const written = await call(operation, input);
  if (!String(written.body.__type ?? '').endsWith('#ConditionalCheckFailedException')) return written;
  const names = await keySchemaOf(String(input.TableName));
  const item = operation === 'PutItem' ? input.Item : input.Key;
  if (!Array.isArray(names) || !isObject(item)) return written;
  const key: WireItem = Object.fromEntries(names.map((name) => [name, item[name]]));
  const got = await call('GetItem', { TableName: input.TableName, Key: key, ConsistentRead: true });
  if (got.status !== 200 || !isObject(got.body.Item)) return written;
  return { ...written, body: { ...written.body, Item: got.body.Item } };
}
