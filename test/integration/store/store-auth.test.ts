/**
 * The embedded store as `npm start` builds it (connectStore with a data folder) takes only requests
 * signed with the credential it made at its start. Everything else, from a plain HTTP request to
 * one signed with another key, a stale date or a swapped body, is refused in DynamoDB's shape and
 * changes nothing.
 */
import {
  BatchWriteItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { HttpRequest } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, type StoreConnection, connectStore } from '../../../core/store/connect.js';
import { UNRECOGNIZED_CLIENT } from '../../../core/store/embedded.js';
import { taskToItem } from '../../../core/store/items.js';
import { type StoreCredentials, newStoreCredentials } from '../../../core/store/store-credentials.js';
import { task } from '../../support/task-fixture.js';

let dir: string;
let connection: StoreConnection;
let endpoint: string;
let credentials: StoreCredentials;

/** What an attacker's tool would write: a queued task for another installation's repository. */
const forged = task({ repository: 'victim/secret-repo', installationId: 999, status: 'queued' });
const forgedItem = marshall(taskToItem(forged), { removeUndefinedValues: true });

async function tableItems(): Promise<string> {
  const { Items } = await connection.client.send(new ScanCommand({ TableName: connection.tableName }));
  return JSON.stringify((Items ?? []).map((item) => `${String(item.pk)}|${String(item.sk)}`).sort());
}

/** A request signed by hand (with the SDK's signer), optionally dated or with its body swapped after. */
async function signedFetch(
  operation: string,
  input: unknown,
  options: { with: StoreCredentials; date?: Date; sendBody?: string },
): Promise<Response> {
  const url = new URL(endpoint);
  const body = JSON.stringify(input);
  const signer = new SignatureV4({
    credentials: options.with,
    region: 'local',
    service: 'dynamodb',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
    }),
    { signingDate: options.date ?? new Date() },
  );
  return fetch(endpoint, {
    method: 'POST',
    headers: signed.headers,
    body: options.sendBody ?? body,
  });
}

const client = (with_: StoreCredentials) =>
  new DynamoDBClient({ endpoint, region: 'local', credentials: with_, maxAttempts: 1 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nightshift-store-auth-'));
  connection = await connectStore({}, { embeddedPath: join(dir, 'dynamo'), createTable: true });
  endpoint = connection.endpoint!;
  credentials = connection.credentials!;
  await connection.store.create({
    repository: 'octo/app',
    installationId: 1,
    target: { kind: 'issue', number: 1 },
    trigger: { kind: 'cli', text: 'the one real task' },
    engineer: 'alice',
  });
});
afterAll(async () => {
  await connection?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the embedded store, as npm start builds it', () => {
  it('made a random credential at its start', () => {
    expect(credentials.accessKeyId).toMatch(/^NSLOCAL[0-9A-F]{13}$/);
    expect(credentials.secretAccessKey.length).toBeGreaterThanOrEqual(40);
    expect(credentials).not.toEqual(LOCAL_CREDENTIALS);
  });

  it('refuses a plain unsigned PutItem and TransactWriteItems, and the table is unchanged', async () => {
    const before = await tableItems();
    const put = { TableName: connection.tableName, Item: forgedItem };
    const transaction = { TransactItems: [{ Put: put }] };
    for (const [operation, input] of [
      ['PutItem', put],
      ['TransactWriteItems', transaction],
    ] as const) {
      for (const authorization of [
        undefined,
        // dynalite alone accepts any signature that is present, this one included
        'AWS4-HMAC-SHA256 Credential=local/20200101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      ]) {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `DynamoDB_20120810.${operation}`,
            'x-amz-date': '20200101T000000Z',
            ...(authorization ? { authorization } : {}),
          },
          body: JSON.stringify(input),
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual(UNRECOGNIZED_CLIENT.body);
      }
    }
    expect((await fetch(endpoint)).status).toBe(400); // not even dynalite's health answer
    expect(await tableItems()).toBe(before);
    expect(before).not.toContain(forged.id);
  });

  it('refuses the SDK signing with another key, or with its key id and another secret', async () => {
    const before = await tableItems();
    const wrong = [
      LOCAL_CREDENTIALS,
      newStoreCredentials(),
      { accessKeyId: credentials.accessKeyId, secretAccessKey: newStoreCredentials().secretAccessKey },
    ];
    for (const key of wrong) {
      const attacker = client(key);
      const put = { TableName: connection.tableName, Item: forgedItem };
      const attempts = [
        attacker.send(new PutItemCommand(put)),
        attacker.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: put }] })),
        attacker.send(
          new BatchWriteItemCommand({
            RequestItems: { [connection.tableName]: [{ PutRequest: { Item: forgedItem } }] },
          }),
        ),
        attacker.send(
          new UpdateItemCommand({
            TableName: connection.tableName,
            Key: { pk: forgedItem.pk!, sk: forgedItem.sk! },
            UpdateExpression: 'SET #s = :s',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':s': { S: 'queued' } },
          }),
        ),
        attacker.send(new DeleteTableCommand({ TableName: connection.tableName })),
      ];
      for (const attempt of attempts) {
        await expect(attempt).rejects.toMatchObject({
          name: 'UnrecognizedClientException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      attacker.destroy();
    }
    expect(await tableItems()).toBe(before);
  });

  it('refuses its own signature on another body, or 20 minutes old; takes it fresh and whole', async () => {
    const before = await tableItems();
    const harmless = { TableName: connection.tableName, Key: { pk: { S: 'nothing' }, sk: { S: 'X' } } };
    const swapped = await signedFetch('GetItem', harmless, {
      with: credentials,
      sendBody: JSON.stringify({ TableName: connection.tableName, Item: forgedItem }),
    });
    expect(swapped.status).toBe(400);
    const stale = await signedFetch(
      'PutItem',
      { TableName: connection.tableName, Item: forgedItem },
      { with: credentials, date: new Date(Date.now() - 20 * 60 * 1000) },
    );
    expect(stale.status).toBe(400);
    expect(await stale.json()).toEqual(UNRECOGNIZED_CLIENT.body);
    expect(await tableItems()).toBe(before);
    // The same request, fresh and whole, is what Nightshift's own clients send.
    expect((await signedFetch('GetItem', harmless, { with: credentials })).status).toBe(200);
  });
});
