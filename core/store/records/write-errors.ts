/**
 * Reading DynamoDB's refusals: whether a write failed its condition, met a transaction in flight
 * (worth retrying), or was cancelled as part of a transaction, and, since every conditional write
 * asks for it (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`), the item its condition saw. That
 * item is the answer a caller would otherwise read again after the write, where it may already
 * have changed; here it is the item exactly as the condition judged it. Pure: no I/O.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export type Item = Record<string, unknown>;

export const CONDITION_FAILED = 'ConditionalCheckFailed';

/** Ask every conditional write for the item its condition saw (no extra cost on DynamoDB). */
export const OLD_ITEM_ON_FAILURE = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;

/** Cancellation reasons that say "try again", not "no". */
const TRANSIENT_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'None',
]);

const errorName = (error: unknown): string | undefined => (error as { name?: string } | undefined)?.name;

/** A single-item write that met an in-flight transaction on its item: DynamoDB asks to retry. */
export const isTransientConflict = (error: unknown): boolean =>
  errorName(error) === 'TransactionConflictException' ||
  errorName(error) === 'TransactionInProgressException';

export const isConditionFailure = (error: unknown): boolean =>
  errorName(error) === 'ConditionalCheckFailedException';

/**
 * Errors carry items in DynamoDB's wire format (the document client translates only results):
 * turn one into a plain item, as the document client would.
 */
const plainItem = (item: unknown): Item | undefined =>
  item && typeof item === 'object' ? unmarshall(item as Record<string, AttributeValue>) : undefined;

/** The item a failed single-item condition saw; undefined when there was none (or another error). */
export function failedConditionItem(error: unknown): Item | undefined {
  return isConditionFailure(error) ? plainItem((error as { Item?: unknown }).Item) : undefined;
}

/** One action's reason for a cancelled transaction, with the item its failed condition saw. */
export interface CancellationReason {
  code: string;
  item?: Item;
}

/** The reasons of a TransactionCanceledException, one per action in order; undefined otherwise. */
export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (errorName(error) !== 'TransactionCanceledException') return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string; Item?: unknown }[] })
    .CancellationReasons;
  return (reasons ?? []).map((reason) => {
    const item = plainItem(reason.Item);
    return { code: reason.Code ?? 'None', ...(item ? { item } : {}) };
  });
}

/** Whether the action at `index` failed its condition. */
export const conditionFailed = (reasons: readonly CancellationReason[], index: number): boolean =>
  reasons[index]?.code === CONDITION_FAILED;

/** True when no action failed its condition and at least one hit a conflict worth retrying. */
export const onlyTransient = (reasons: readonly CancellationReason[]): boolean =>
  reasons.every((reason) => TRANSIENT_REASONS.has(reason.code)) &&
  reasons.some((reason) => reason.code !== 'None');
