/**
 * The CLI's way to the task store. The embedded store is a dynalite server inside one process,
 * holding a lock on `.data/dynamo`, so while `npm start` runs no other process can open that
 * folder: the CLI then talks to the server's store at the endpoint the server writes to
 * `.data/endpoint`. In order:
 *
 * 1. `DYNAMODB_ENDPOINT` set: that endpoint, always;
 * 2. `.data/endpoint` names an endpoint that answers: the running server's store, with the
 *    credential the server wrote beside it (`.data/store-credentials.json`, mode 0600);
 * 3. otherwise the embedded store under `.data/dynamo`, opened in this process; only `run` makes
 *    one where there is none, so `nightshift tasks` in the wrong folder says so and leaves nothing.
 *
 * With `--aws` none of these: the deployed table on DynamoDB (`connectAwsStore`).
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type StoreConnection, connectStore } from '../core/store/connect.js';
import { DEFAULT_TABLE_NAME } from '../core/store/table.js';
import { ensurePrivateDir } from '../core/store/private-files.js';
import {
  CREDENTIALS_FILE,
  type StoreCredentials,
  credentialsEnv,
  parseCredentialsFile,
} from '../core/store/store-credentials.js';

export type StoreSource = 'environment' | 'server' | 'embedded' | 'aws';

export interface CliConnection extends StoreConnection {
  source: StoreSource;
}

export interface CliConnectOptions {
  cwd: string;
  /**
   * Whether an embedded store may be made where none is (`run`, which records a task). Commands
   * that only read or flag tasks never leave a `.data/` behind in a folder that had none.
   */
  create?: boolean;
  /** Whether an endpoint answers; by default an HTTP request with a one-second timeout. */
  probe?: (endpoint: string) => Promise<boolean>;
}

export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError';
  constructor(readonly dir: string) {
    super(
      `the task store in ${join(dir, 'dynamo')} is in use by another process (is npm start running?), and ` +
        `${join(dir, 'endpoint')} does not name a store that answers. Stop that process, or set ` +
        `DYNAMODB_ENDPOINT to its store's address.`,
    );
  }
}

export class NoDataError extends Error {
  override readonly name = 'NoDataError';
  constructor(readonly dir: string) {
    super(
      `there is no Nightshift data here: ${join(dir, 'dynamo')} does not exist. Run this in the folder ` +
        `where npm start runs (it keeps its store in .data/), or point at that store with ` +
        `NIGHTSHIFT_DATA_DIR=<its .data folder> or DYNAMODB_ENDPOINT.`,
    );
  }
}

export class StoreRefusedError extends Error {
  override readonly name = 'StoreRefusedError';
  constructor(readonly dir: string) {
    super(
      `the running server's store refused this command's credential: it is in ` +
        `${join(dir, CREDENTIALS_FILE)}, written at each start of npm start and readable only by its user.`,
    );
  }
}

/** `.data`, or NIGHTSHIFT_DATA_DIR, from the current folder: where `npm start` keeps its state. */
export function dataDir(env: Record<string, string | undefined>, cwd: string): string {
  return resolve(cwd, env.NIGHTSHIFT_DATA_DIR || '.data');
}

/** Any HTTP answer counts: the point is whether something listens there. */
export async function endpointAnswers(endpoint: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

/** The running server's store endpoint from `<dataDir>/endpoint`, if the file exists and it answers. */
export async function serverEndpoint(
  dir: string,
  probe: (endpoint: string) => Promise<boolean> = endpointAnswers,
): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'endpoint'), 'utf8');
  } catch {
    return undefined;
  }
  const endpoint = text.trim().split(/\s+/)[0] ?? '';
  if (!/^https?:\/\//.test(endpoint)) return undefined;
  return (await probe(endpoint)) ? endpoint : undefined;
}

/** The running server's store credential from `<dataDir>/store-credentials.json`, if readable. */
export async function serverCredentials(dir: string): Promise<StoreCredentials | undefined> {
  try {
    return parseCredentialsFile(await readFile(join(dir, CREDENTIALS_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

export async function connectCliStore(
  env: Record<string, string | undefined>,
  options: CliConnectOptions,
): Promise<CliConnection> {
  if (env.DYNAMODB_ENDPOINT) return { ...(await connectStore(env)), source: 'environment' };
  const dir = dataDir(env, options.cwd);
  const running = await serverEndpoint(dir, options.probe);
  if (running) {
    const credentials = credentialsEnv(await serverCredentials(dir));
    try {
      return {
        ...(await connectStore({ ...env, DYNAMODB_ENDPOINT: running, ...credentials })),
        source: 'server',
      };
    } catch (error) {
      throw (error as Error).name === 'UnrecognizedClientException' ? new StoreRefusedError(dir) : error;
    }
  }
  if (!options.create && !existsSync(join(dir, 'dynamo'))) throw new NoDataError(dir);
  try {
    ensurePrivateDir(dir);
    return { ...(await connectStore(env, { embeddedPath: join(dir, 'dynamo') })), source: 'embedded' };
  } catch (error) {
    throw isStoreBusy(error) ? new StoreBusyError(dir) : error;
  }
}

/** Whether an error says another process holds the embedded store's folder. */
export function isStoreBusy(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /in use by process|Database is closed/.test(message);
}

export class NoAwsTableError extends Error {
  override readonly name = 'NoAwsTableError';
  constructor(readonly tableName: string) {
    super(
      `there is no DynamoDB table ${tableName} in this account and region. Give the stack's TableName ` +
        `output with --table (aws cloudformation describe-stacks --stack-name Nightshift --query ` +
        `"Stacks[0].Outputs"), and the stack's region with AWS_REGION or your AWS profile.`,
    );
  }
}

/**
 * `--aws`: the deployed table, through the AWS SDK's standard credential and configuration chain
 * (environment variables, AWS_PROFILE and ~/.aws, SSO, instance or container roles; the region
 * likewise; AWS_ENDPOINT_URL_DYNAMODB too). DYNAMODB_ENDPOINT and `.data/` are not used; the table
 * is never created: it is the stack's (`--table`, else TABLE_NAME, else the stack's default name).
 */
export async function connectAwsStore(
  env: Record<string, string | undefined>,
  table: string | undefined,
): Promise<CliConnection> {
  const tableName = table ?? env.TABLE_NAME ?? DEFAULT_TABLE_NAME;
  const { DYNAMODB_ENDPOINT: _local, ...aws } = env;
  const connection = await connectStore({ ...aws, TABLE_NAME: tableName }, { createTable: false });
  try {
    await connection.client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    await connection.close();
    throw (error as Error).name === 'ResourceNotFoundException' ? new NoAwsTableError(tableName) : error;
  }
  return { ...connection, source: 'aws' };
}
