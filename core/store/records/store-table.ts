/**
 * The one table every record kind lives in, and the plumbing they share: the document client and
 * table name, consistent reads, single-item writes, transactions, paged queries, the clock, and
 * one retry policy. Record-kind modules (this folder) decide what to write and under which
 * condition; this module only carries it out.
 *
 * Retries, bounded and jittered (retry.ts): a single-item write that meets a transaction in flight
 * on its item (`TransactionConflictException`) is sent again. A transaction's cancellation is
 * first read by its caller, who alone knows whether a failed condition means "no" or "try again"
 * (`transactStep`); one cancelled only by conflicts is tried again in the caller's `retrying` loop.
 *
 * A store that asks for the old item on a failed condition (write-errors.ts) needs a backend that
 * returns it: DynamoDB does; the embedded store does for transactions (embedded-transactions.ts)
 * and for single-item writes (embedded-old-item.ts: dynalite accepts the parameter but ignores it).
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { Key } from '../items.js';
import { type RetryOptions, type RetryStep, retrying } from '../retry.js';
import {
  type CancellationReason,
  type Item,
  cancellationReasons,
  isTransientConflict,
  onlyTransient,
} from './write-errors.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type TransactUpdate = NonNullable<TransactItem['Update']>;

/** An attribute of an item if it is a string (a task id, a login, a label). */
export const stringAt = (item: Item | undefined, attribute: string): string | undefined => {
  const value = item?.[attribute];
  return typeof value === 'string' ? value : undefined;
};

/** A request's input without the table, which the table adds. */
type Untabled<T> = Omit<T, 'TableName'>;

export interface StoreTableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  now?: () => Date;
  /** How conflicts are retried (tests shorten the pauses). */
  retry?: RetryOptions;
}

export class StoreTable {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => Date;
  private readonly retry: RetryOptions;

  constructor(options: StoreTableOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.retry = options.retry ?? {};
  }

  /** A strongly consistent read of one item. */
  async get(key: Key): Promise<Item | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return result.Item;
  }

  /** One string attribute of an item, if the item exists and has it. */
  async getString(key: Key, attribute: string): Promise<string | undefined> {
    return stringAt(await this.get(key), attribute);
  }

  async put(input: Untabled<PutCommandInput>): Promise<void> {
    await this.write(() => this.client.send(new PutCommand({ ...input, TableName: this.tableName })));
  }

  update(input: Untabled<UpdateCommandInput>): Promise<UpdateCommandOutput> {
    return this.write(() => this.client.send(new UpdateCommand({ ...input, TableName: this.tableName })));
  }

  async delete(input: Untabled<DeleteCommandInput>): Promise<void> {
    await this.write(() => this.client.send(new DeleteCommand({ ...input, TableName: this.tableName })));
  }

  /** All or nothing; a cancellation (TransactionCanceledException) is the caller's to read. */
  async transact(items: TransactItem[]): Promise<void> {
    // A fresh token per attempt: the SDK's own retries of this request reuse it (idempotent), a
    // deliberate retry after a cancellation must not.
    await this.client.send(
      new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }),
    );
  }

  /**
   * One attempt at a transaction, as a step of `retrying`: `done` once it commits. A cancellation
   * is read by `onCancelled` (from its reasons, with the items failed conditions saw): a step, or
   * undefined for the rule every caller shares: a cancellation only by conflicts is retried, any
   * other is thrown as it came.
   */
  async transactStep<T>(
    items: TransactItem[],
    done: T,
    onCancelled: (reasons: CancellationReason[], error: unknown) => RetryStep<T> | undefined,
  ): Promise<RetryStep<T>> {
    try {
      await this.transact(items);
      return { retry: false, value: done };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const step = onCancelled(reasons, error);
      if (step) return step;
      if (onlyTransient(reasons)) return { retry: true, cause: error };
      throw error;
    }
  }

  /** Every page of a query (or the first `limit` items). */
  async query(input: Untabled<QueryCommandInput>, limit?: number): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const remaining = limit === undefined ? undefined : limit - items.length;
      if (remaining !== undefined && remaining <= 0) break;
      const page = await this.client.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          ...(remaining !== undefined ? { Limit: remaining } : {}),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return limit === undefined ? items : items.slice(0, limit);
  }

  /**
   * Run `attempt` until it gives a definite answer, with the store's retry policy: it returns
   * `{ retry: true }` to go again; a single write that meets a transaction in flight goes again too.
   */
  retrying<T>(what: string, attempt: (n: number) => Promise<RetryStep<T>>): Promise<T> {
    return retrying(what, attempt, { ...this.retry, isRetryable: isTransientConflict });
  }

  /** A single-item write, retried while it meets an in-flight transaction on its item. */
  private write<T>(send: () => Promise<T>): Promise<T> {
    return this.retrying('write', async () => ({ retry: false, value: await send() }));
  }
}
