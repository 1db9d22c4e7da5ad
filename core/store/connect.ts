/**
 * One way to reach the store, the same client code everywhere:
 *
 * - `DYNAMODB_ENDPOINT` set: that endpoint (dynalite, DynamoDB Local, LocalStack…). With the
 *   embedded store's credential in the environment (`NIGHTSHIFT_STORE_ACCESS_KEY_ID` and
 *   `NIGHTSHIFT_STORE_SECRET_ACCESS_KEY`, as an agent child process of `npm start` gets them),
 *   that credential; else on loopback and without AWS credentials in the environment, placeholder
 *   credentials and region `local`.
 * - unset, with `embeddedPath`: the embedded store (dynalite in this process), persisted there,
 *   reached with the credential it made at its start (store-credentials.ts).
 * - unset, without: DynamoDB on AWS, with the default credential chain; the table must exist.
 *
 * The SDK's default HTTP handler keeps connections alive, so a warm Lambda reuses them: connect
 * once per process (cold start), not per invocation.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoTaskStore } from './dynamo-task-store.js';
import type { EmbeddedDynamo } from './embedded.js';
import { type StoreCredentials, credentialsEnv, credentialsFromEnv } from './store-credentials.js';
import { DEFAULT_TABLE_NAME } from './table.js';
import { ensureTable } from './table-definition.js';
import type { TaskStore } from './task-store.js';

export interface StoreEnv {
  [name: string]: string | undefined;
  DYNAMODB_ENDPOINT?: string;
  TABLE_NAME?: string;
  AWS_REGION?: string;
  /** Read only to tell whether real credentials are configured. */
  AWS_ACCESS_KEY_ID?: string;
  AWS_PROFILE?: string;
}

export interface ConnectOptions {
  /** With no DYNAMODB_ENDPOINT: run the embedded store, persisted under this folder. */
  embeddedPath?: string;
  /** Create the table if missing; default: yes locally (endpoint or embedded), no on AWS. */
  createTable?: boolean;
  now?: () => Date;
  ids?: () => string;
}

export interface StoreConnection {
  store: TaskStore;
  /** The document client the store uses (marshalling removes undefined values). */
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The endpoint in use; undefined on AWS. */
  endpoint: string | undefined;
  /** The embedded store's credential, when this connection uses one (its own store, or given). */
  credentials?: StoreCredentials;
  close(): Promise<void>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function isLoopback(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/** The client configuration for an environment (exported for tests). */
export function clientConfig(
  env: StoreEnv,
  endpoint: string | undefined,
  storeCredentials: StoreCredentials | undefined = credentialsFromEnv(env),
): DynamoDBClientConfig {
  if (endpoint === undefined) return env.AWS_REGION ? { region: env.AWS_REGION } : {};
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
  const credentials =
    storeCredentials ?? (!hasCredentials && isLoopback(endpoint) ? LOCAL_CREDENTIALS : undefined);
  return {
    endpoint,
    region: env.AWS_REGION || 'local',
    ...(credentials ? { credentials: { ...credentials } } : {}),
  };
}

/**
 * What a child process needs to reach the same store: the endpoint, the table and, for the
 * embedded store, its credential. Nothing for DynamoDB on AWS (the child's own credential chain).
 */
export function storeEnvironment(connection: StoreConnection): Record<string, string> {
  return {
    ...(connection.endpoint ? { DYNAMODB_ENDPOINT: connection.endpoint } : {}),
    TABLE_NAME: connection.tableName,
    ...credentialsEnv(connection.credentials),
  };
}

export async function connectStore(env: StoreEnv, options: ConnectOptions = {}): Promise<StoreConnection> {
  const tableName = env.TABLE_NAME || DEFAULT_TABLE_NAME;
  let embedded: EmbeddedDynamo | undefined;
  let endpoint = env.DYNAMODB_ENDPOINT || undefined;
  if (endpoint === undefined && options.embeddedPath !== undefined) {
    // Loaded only here: dynalite's native LevelDB binding has no place in a Lambda bundle.
    const { startEmbeddedDynamo } = await import('./embedded.js');
    embedded = await startEmbeddedDynamo({ path: options.embeddedPath });
    endpoint = embedded.endpoint;
  }
  const credentials = embedded?.credentials ?? (endpoint ? credentialsFromEnv(env) : undefined);
  const base = new DynamoDBClient(clientConfig(env, endpoint, credentials));
  const client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const close = async () => {
    client.destroy();
    await embedded?.close();
  };
  try {
    if (options.createTable ?? endpoint !== undefined) await ensureTable(base, tableName);
  } catch (error) {
    await close();
    throw error;
  }
  const store = new DynamoTaskStore({
    client,
    tableName,
    ...(options.now ? { now: options.now } : {}),
    ...(options.ids ? { ids: options.ids } : {}),
  });
  return { store, client, tableName, endpoint, ...(credentials ? { credentials } : {}), close };
}
