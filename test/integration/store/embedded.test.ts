/**
 * The embedded DynamoDB: dynalite plus the TransactWriteItems it lacks, through the real SDK.
 */
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStore } from '../../../core/store/connect.js';
import { startEmbeddedDynamo } from '../../../core/store/embedded.js';
import { createTableInput, ensureTable } from '../../../core/store/table-definition.js';
import { type TestStore, startTestStore } from '../../support/dynamo.js';

let t: TestStore;
let raw: DynamoDBClient;
beforeAll(async () => {
  t = await startTestStore();
  raw = new DynamoDBClient({ endpoint: t.endpoint, region: 'local', credentials: t.credentials });
});
afterAll(async () => {
  raw.destroy();
  await t.close();
});

const S = (value: string) => ({ S: value });
const key = (pk: string) => ({ pk: S(pk), sk: S('X') });

async function get(pk: string) {
  return (
    await t.client.send(
      new GetCommand({ TableName: t.tableName, Key: { pk, sk: 'X' }, ConsistentRead: true }),
    )
  ).Item;
}

async function transact(items: TransactWriteItemsCommandInput['TransactItems']) {
  return raw.send(new TransactWriteItemsCommand({ TransactItems: items }));
}

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('TransactWriteItems on the embedded store', () => {
  it('applies every action when every condition holds', async () => {
    await t.client.send(new PutCommand({ TableName: t.tableName, Item: { pk: 'a1', sk: 'X', n: 1 } }));
    await t.client.send(new PutCommand({ TableName: t.tableName, Item: { pk: 'a3', sk: 'X' } }));
    await transact([
      {
        Update: {
          TableName: t.tableName,
          Key: key('a1'),
          UpdateExpression: 'SET #n = #n + :one',
          ConditionExpression: '#n = :one',
          ExpressionAttributeNames: { '#n': 'n' },
          ExpressionAttributeValues: { ':one': { N: '1' } },
        },
      },
      {
        Put: {
          TableName: t.tableName,
          Item: { ...key('a2'), v: S('new') },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Delete: { TableName: t.tableName, Key: key('a3') } },
      {
        ConditionCheck: {
          TableName: t.tableName,
          Key: key('a4'),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
    expect(await get('a1')).toMatchObject({ n: 2 });
    expect(await get('a2')).toMatchObject({ v: 'new' });
    expect(await get('a3')).toBeUndefined();
    expect(await get('a4')).toBeUndefined();
  });

  it('cancels with one reason per action, in order, and writes nothing', async () => {
    await t.client.send(new PutCommand({ TableName: t.tableName, Item: { pk: 'b1', sk: 'X', v: 'old' } }));
    const error = await rejection(
      transact([
        { Put: { TableName: t.tableName, Item: { ...key('b0'), v: S('new') } } },
        {
          Put: {
            TableName: t.tableName,
            Item: { ...key('b1'), v: S('new') },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ]),
    );
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { ...key('b1'), v: S('old') },
      },
    ]);
    expect(await get('b0')).toBeUndefined();
    expect(await get('b1')).toMatchObject({ v: 'old' });
  });

  it('undoes the actions already applied when a later one is refused', async () => {
    await t.client.send(new PutCommand({ TableName: t.tableName, Item: { pk: 'c1', sk: 'X', v: 'old' } }));
    await t.client.send(new PutCommand({ TableName: t.tableName, Item: { pk: 'c3', sk: 'X', s: 'text' } }));
    const error = await rejection(
      transact([
        { Put: { TableName: t.tableName, Item: { ...key('c1'), v: S('new') } } },
        { Put: { TableName: t.tableName, Item: { ...key('c2'), v: S('new') } } },
        {
          // ADD to a string: refused only when applied
          Update: {
            TableName: t.tableName,
            Key: key('c3'),
            UpdateExpression: 'ADD #s :one',
            ExpressionAttributeNames: { '#s': 's' },
            ExpressionAttributeValues: { ':one': { N: '1' } },
          },
        },
      ]),
    );
    expect(error.name).toBe('ValidationException');
    expect(await get('c1')).toMatchObject({ v: 'old' });
    expect(await get('c2')).toBeUndefined();
    expect(await get('c3')).toMatchObject({ s: 'text' });
  });

  it('refuses two actions on one item, and a malformed request', async () => {
    const twice = await rejection(
      transact([
        { Put: { TableName: t.tableName, Item: { ...key('d1'), v: S('1') } } },
        { Delete: { TableName: t.tableName, Key: key('d1') } },
      ]),
    );
    expect(twice.name).toBe('ValidationException');
    expect(await get('d1')).toBeUndefined();
    const missingTable = await rejection(
      transact([{ Put: { TableName: 'no-such-table', Item: { ...key('d2') } } }]),
    );
    expect(missingTable.name).toBe('ResourceNotFoundException');
  });
  it('isolates transactions from single-item writes on the same item, and runs others alongside', async () => {
    // A transaction checks a condition by writing the item back as it was: a single-item write
    // slipping in between would be lost. Per-item locks keep the increments.
    await t.client.send(new PutCommand({ TableName: t.tableName, Item: { pk: 'iso', sk: 'X', n: 0 } }));
    const increment = () =>
      t.client.send(
        new UpdateCommand({
          TableName: t.tableName,
          Key: { pk: 'iso', sk: 'X' },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => [
        increment(),
        transact([
          {
            ConditionCheck: {
              TableName: t.tableName,
              Key: key('iso'),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          { Put: { TableName: t.tableName, Item: { ...key(`iso-${i}`), v: S('x') } } },
        ]),
      ]).flat(),
    );
    expect((await get('iso'))?.n).toBe(20);
    for (let i = 0; i < 20; i++) expect((await get(`iso-${i}`))?.v).toBe('x');
  });
});

describe('a single-item write that asks for the old item on a failed condition', () => {
  const OLD = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;
  /** Set `v` to 'new' on `pk` if `condition` holds (`:other` is 'other'). */
  const setV = (pk: string, condition: string, extra: Partial<UpdateItemCommandInput> = {}) =>
    raw.send(
      new UpdateItemCommand({
        TableName: t.tableName,
        Key: key(pk),
        UpdateExpression: 'SET v = :v',
        ConditionExpression: condition,
        ExpressionAttributeValues: {
          ':v': S('new'),
          ...(condition.includes(':other') ? { ':other': S('other') } : {}),
        },
        ...extra,
      }),
    );
  const refused = { name: 'ConditionalCheckFailedException' };

  it('gets the item the condition saw, as DynamoDB answers (dynalite alone leaves it out)', async () => {
    const seen = { ...key('o1'), v: S('old') };
    await raw.send(new PutItemCommand({ TableName: t.tableName, Item: seen }));
    const put = new PutItemCommand({
      TableName: t.tableName,
      Item: { ...key('o1'), v: S('new') },
      ConditionExpression: 'attribute_not_exists(pk)',
      ...OLD,
    });
    expect(await rejection(raw.send(put))).toMatchObject({ ...refused, Item: seen });
    expect(await rejection(setV('o1', 'v = :other', OLD))).toMatchObject({ ...refused, Item: seen });
    const del = new DeleteItemCommand({
      TableName: t.tableName,
      Key: key('o1'),
      ConditionExpression: 'attribute_not_exists(v)',
      ...OLD,
    });
    expect(await rejection(raw.send(del))).toMatchObject({ ...refused, Item: seen });
    expect(await get('o1')).toMatchObject({ v: 'old' });
  });

  it('gets no item when there was none, or when it did not ask; a write that succeeds is answered as usual', async () => {
    const missing = await rejection(setV('o2', 'attribute_exists(pk)', OLD));
    expect(missing).toMatchObject(refused);
    expect(missing.Item).toBeUndefined();
    await raw.send(new PutItemCommand({ TableName: t.tableName, Item: { ...key('o2'), v: S('old') } }));
    const unasked = await rejection(setV('o2', 'v = :other'));
    expect(unasked).toMatchObject(refused);
    expect(unasked.Item).toBeUndefined();
    const updated = await setV('o2', 'attribute_exists(pk)', { ReturnValues: 'ALL_NEW', ...OLD });
    expect(updated.Attributes).toEqual({ ...key('o2'), v: S('new') });
  });
});

describe('the embedded server', () => {
  it('serves two servers side by side, and ensureTable is idempotent', async () => {
    const other = await startEmbeddedDynamo();
    const client = new DynamoDBClient({
      endpoint: other.endpoint,
      region: 'local',
      credentials: other.credentials,
    });
    try {
      expect(other.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(other.endpoint).not.toBe(t.endpoint);
      expect(other.credentials.secretAccessKey).not.toBe(t.credentials.secretAccessKey);
      await ensureTable(client, 'twice');
      await ensureTable(client, 'twice');
      await expect(client.send(new CreateTableCommand(createTableInput('twice')))).rejects.toMatchObject({
        name: 'ResourceInUseException',
      });
      const { Table } = await client.send(new DescribeTableCommand({ TableName: 'twice' }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
        'byRepository',
        'byStatus',
        'byTarget',
        'recent',
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    } finally {
      client.destroy();
      await other.close();
    }
  });

  it('refuses a folder another store has open, and takes over a dead one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-embedded-'));
    try {
      const first = await startEmbeddedDynamo({ path: dir });
      await expect(startEmbeddedDynamo({ path: dir })).rejects.toThrow(/already open in this process/);
      await first.close();
      // a claim left by a process that is gone
      writeFileSync(join(dir, 'nightshift-embedded.pid'), '2147483646');
      const again = await startEmbeddedDynamo({ path: dir });
      const client = new DynamoDBClient({
        endpoint: again.endpoint,
        region: 'local',
        credentials: again.credentials,
      });
      await ensureTable(client, 'reopened');
      client.destroy();
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is reachable through connectStore with DYNAMODB_ENDPOINT, which creates the table', async () => {
    const connection = await connectStore({ ...t.env, TABLE_NAME: 'via-endpoint' });
    try {
      expect(connection.endpoint).toBe(t.endpoint);
      const task = await connection.store.create({
        repository: 'o/r',
        installationId: 1,
        target: { kind: 'issue', number: 1 },
        trigger: { kind: 'cli', text: 'x' },
        engineer: 'e',
      });
      expect(await connection.store.load(task.id)).toEqual(task);
    } finally {
      await connection.close();
    }
  });
});
