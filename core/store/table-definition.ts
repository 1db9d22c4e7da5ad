/**
 * CreateTable for the one table, built from TABLE (table.ts), and `ensureTable` for the local and
 * test stores. On AWS the table comes from the CDK stack, which reads the same TABLE.
 */
import {
  type CreateTableCommandInput,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLE } from './table.js';

export function createTableInput(tableName: string): CreateTableCommandInput {
  const indexes = Object.values(TABLE.indexes);
  const attributes = [
    TABLE.partitionKey,
    TABLE.sortKey,
    ...indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...new Set(attributes)].map((name) => ({
      AttributeName: name,
      AttributeType: 'S',
    })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

const errorName = (error: unknown): string | undefined =>
  error instanceof Error ? error.name : (error as { name?: string } | undefined)?.name;

/**
 * Create the table when it is missing (another process creating it at the same time is fine), wait
 * until it is ACTIVE, and turn on TTL for `TABLE.ttlAttribute` where the server supports it
 * (dynalite does not, and never expires items: the store's conditions do not rely on TTL).
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  options: { maxWaitSeconds?: number } = {},
): Promise<void> {
  let exists = true;
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
    exists = false;
  }
  if (!exists) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (error) {
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
  }
  await waitUntilActive(client, tableName, (options.maxWaitSeconds ?? 120) * 1000);
  await enableTtl(client, tableName);
}

/** Polls until the table and all its indexes are ACTIVE (dynalite: at once; DynamoDB: seconds). */
async function waitUntilActive(client: DynamoDBClient, tableName: string, maxWaitMs: number): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 2000)) {
    let table;
    try {
      table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    } catch (error) {
      // Just created: DynamoDB may not describe it yet.
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
    }
    const active =
      table?.TableStatus === 'ACTIVE' &&
      (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (active) return;
    if (Date.now() + delay > deadline) {
      throw new Error(`table ${tableName} is not ACTIVE after ${Math.round(maxWaitMs / 1000)} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const described = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = described.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite has no UpdateTimeToLive.
    if (errorName(error) === 'UnknownOperationException') return;
    throw error;
  }
}
