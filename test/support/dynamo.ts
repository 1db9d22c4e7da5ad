/**
 * A store for tests: one in-memory embedded DynamoDB (dynalite) per test file, shared by every
 * store the file starts, and a fresh table per `startTestStore()` so tests never see each other's
 * records. Talks to it through the real SDK, exactly as production does, and like `npm start`'s
 * store it refuses any request not signed with its credential (made at its start): give code under
 * test `env` (endpoint, table and credential) rather than the endpoint alone.
 *
 *   const t = await startTestStore();
 *   afterAll(() => t.close());
 *   await t.store.create(...);
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { DynamoTaskStore } from '../../core/store/dynamo-task-store.js';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../core/store/embedded.js';
import type { RetryOptions } from '../../core/store/retry.js';
import { type StoreCredentials, credentialsEnv } from '../../core/store/store-credentials.js';
import { ensureTable } from '../../core/store/table-definition.js';

export interface TestStore {
  store: DynamoTaskStore;
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The embedded server's endpoint. */
  endpoint: string;
  /** What every request to it must be signed with. */
  credentials: StoreCredentials;
  /** DYNAMODB_ENDPOINT, TABLE_NAME and the credential's variables, for code under test. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface TestStoreOptions {
  now?: () => Date;
  ids?: () => string;
  retry?: RetryOptions;
  /**
   * `cancel`: a server of its own on which a transaction that meets another in flight on the same
   * item is cancelled with `TransactionConflict`, as on DynamoDB (the shared server queues them).
   */
  transactionConflicts?: 'wait' | 'cancel';
}

let server: Promise<EmbeddedDynamo> | undefined;
let users = 0;
let tables = 0;

export async function startTestStore(options: TestStoreOptions = {}): Promise<TestStore> {
  const { transactionConflicts, ...storeOptions } = options;
  const own = transactionConflicts === 'cancel' ? startEmbeddedDynamo({ transactionConflicts }) : undefined;
  if (!own) users++;
  let closed = false;
  let base: DynamoDBClient | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    base?.destroy();
    if (own) {
      await (await own).close();
    } else if (--users === 0 && server) {
      const stopping = server;
      server = undefined;
      await (await stopping).close();
    }
  };
  try {
    const { endpoint, credentials } = await (own ?? (server ??= startEmbeddedDynamo()));
    base = new DynamoDBClient({ endpoint, region: 'local', credentials: { ...credentials } });
    const client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
    const tableName = `test-${++tables}-${randomBytes(4).toString('hex')}`;
    await ensureTable(base, tableName);
    const store = new DynamoTaskStore({ client, tableName, ...storeOptions });
    const env = { DYNAMODB_ENDPOINT: endpoint, TABLE_NAME: tableName, ...credentialsEnv(credentials) };
    return { store, client, tableName, endpoint, credentials, env, close };
  } catch (error) {
    await close();
    throw error;
  }
}
