/**
 * The embedded store: dynalite (DynamoDB's protocol over LevelDB) in this process, on loopback.
 * In memory for tests; persisted under a folder (`.data/dynamo` for `npm start`) when given a path.
 *
 * dynalite answers every operation but TransactWriteItems, which the store relies on, so the server
 * clients talk to is a thin front: it answers TransactWriteItems itself (embedded-transactions.ts)
 * and hands every other request to dynalite's own handler.
 *
 * Isolation is per item, as in DynamoDB (item-locks.ts): a transaction holds the locks of all its
 * items while it runs, and GetItem, PutItem, UpdateItem, DeleteItem (and BatchGetItem and
 * BatchWriteItem, for all their items) hold their item's, so they never see or overwrite a
 * transaction halfway; transactions and requests on different items run concurrently. Query,
 * Scan, DescribeTable and every other request take no lock. In DynamoDB, Query and Scan are only
 * read-committed, not isolated from transactions (they may see some of a transaction's writes and
 * not others); here they may also see a transaction's writes while it applies them, including,
 * in the rare case where a later action is refused, writes that are then undone.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import dynalite from 'dynalite';
import {
  type WireCall,
  type WireResponse,
  cancelled,
  type KeySchemaOf,
  type WireItem,
  executeTransaction,
  isPrepared,
  itemIdentity,
  keySchemaCache,
  prepareTransaction,
  wireError,
} from './embedded-transactions.js';
import { ItemLocks } from './item-locks.js';

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>`: give it to the DynamoDB client as its endpoint. */
  endpoint: string;
  close(): Promise<void>;
}

export interface EmbeddedDynamoOptions {
  /** Persist with LevelDB under this folder (created if missing); in memory when unset. */
  path?: string;
  /** Default 0: any free port. */
  port?: number;
  /**
   * What a transaction meets when another one in flight touches one of its items: `wait` (the
   * default) queues it; `cancel` cancels it with reason `TransactionConflict`, as DynamoDB does,
   * to exercise callers' retries.
   */
  transactionConflicts?: 'wait' | 'cancel';
}

const HOST = '127.0.0.1';
const TARGET_PREFIX = 'DynamoDB_20120810.';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Requests that lock the items they name; every other one (Query, Scan, …) takes no lock. */
const ITEM_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchGetItem',
  'BatchWriteItem',
]);
/** Requests after which a table's key schema may differ. */
const TABLE_OPERATIONS = new Set(['CreateTable', 'DeleteTable']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The identities of the items a single-item or batch request names, computed as for transactions.
 * Keys it cannot resolve (a missing table, a malformed request) are left out: dynalite refuses
 * such a request without touching any item.
 */
async function requestItems(operation: string, input: unknown, keySchemaOf: KeySchemaOf): Promise<string[]> {
  if (!isObject(input)) return [];
  const keys: [string, unknown][] = [];
  if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    if (!isObject(input.RequestItems)) return [];
    for (const [tableName, requests] of Object.entries(input.RequestItems)) {
      if (operation === 'BatchGetItem') {
        if (isObject(requests) && Array.isArray(requests.Keys)) {
          for (const key of requests.Keys) keys.push([tableName, key]);
        }
      } else if (Array.isArray(requests)) {
        for (const request of requests as unknown[]) {
          if (!isObject(request)) continue;
          const put = request.PutRequest;
          const del = request.DeleteRequest;
          keys.push([tableName, isObject(put) ? put.Item : isObject(del) ? del.Key : undefined]);
        }
      }
    }
  } else if (typeof input.TableName === 'string') {
    keys.push([input.TableName, operation === 'PutItem' ? input.Item : input.Key]);
  }
  const identities: string[] = [];
  for (const [tableName, key] of keys) {
    if (!isObject(key)) continue;
    const names = await keySchemaOf(tableName);
    if (!Array.isArray(names) || names.some((name) => key[name] === undefined)) continue;
    identities.push(itemIdentity(tableName, names, key as WireItem));
  }
  return identities;
}

/** A request whose body was already read, to hand to dynalite's handler as if it were unread. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = Readable.from(body.length > 0 ? [body] : []);
  return Object.assign(copy, {
    headers: req.headers,
    method: req.method,
    url: req.url,
  }) as unknown as IncomingMessage;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * LevelDB allows one user of a folder; a second one would hang. Claim the folder with a pid file
 * first and fail clearly if a live process holds it (a dead one's claim is taken over).
 */
function claimFolder(path: string): () => void {
  const file = join(path, 'nightshift-embedded.pid');
  const tryClaim = (): boolean => {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return false;
    }
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryClaim()) return () => rmSync(file, { force: true });
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (pid === process.pid) throw new Error(`the embedded store in ${path} is already open in this process`);
    if (pid > 0 && isAlive(pid)) throw new Error(`the embedded store in ${path} is in use by process ${pid}`);
    rmSync(file, { force: true }); // left by a process that is gone
  }
  throw new Error(`could not claim the embedded store in ${path}`);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

function readBodyBuffer(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const readBody = async (req: IncomingMessage): Promise<string> =>
  (await readBodyBuffer(req)).toString('utf8');

function send(res: ServerResponse, response: WireResponse): void {
  const body = JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amz-crc32': String(crc32(body)),
    'x-amzn-requestid': randomBytes(26).toString('hex').toUpperCase(),
  });
  res.end(body);
}

/** Calls dynalite directly on its own loopback port (not through the front, whose locks the caller holds). */
function wireClient(endpoint: string): WireCall {
  return async (operation, input) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': TARGET_PREFIX + operation,
        'x-amz-date': '20200101T000000Z',
        // dynalite checks that a signature is present, not that it is right.
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20200101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify(input),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  let unclaim = () => {};
  if (options.path) {
    mkdirSync(options.path, { recursive: true });
    unclaim = claimFolder(options.path);
  }
  const inner = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const innerHandler = inner.listeners('request')[0] as Handler | undefined;
  let innerPort: number;
  try {
    if (!innerHandler) throw new Error('dynalite: no request handler (an unsupported dynalite version?)');
    innerPort = await listen(inner, 0);
  } catch (error) {
    unclaim();
    throw error;
  }
  const call = wireClient(`http://${HOST}:${innerPort}`);
  const locks = new ItemLocks();
  const keySchemas = keySchemaCache(call);

  /** Items of the transactions accepted and not yet finished, with how many hold each. */
  const inFlight = new Map<string, number>();

  const transaction = async (request: unknown): Promise<WireResponse> => {
    let claimed: string[] = [];
    try {
      const prepared = await prepareTransaction(request, keySchemas.keySchemaOf);
      if (!isPrepared(prepared)) return prepared;
      if (options.transactionConflicts === 'cancel' && prepared.items.some((item) => inFlight.has(item))) {
        return cancelled(
          prepared.items.map((item) =>
            inFlight.has(item)
              ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
              : { Code: 'None' },
          ),
        );
      }
      claimed = prepared.items;
      for (const item of claimed) inFlight.set(item, (inFlight.get(item) ?? 0) + 1);
      const release = await locks.acquire(prepared.items);
      try {
        return await executeTransaction(prepared, call);
      } finally {
        release();
      }
    } catch (error) {
      return { ...wireError('InternalServerError', String(error)), status: 500 };
    } finally {
      for (const item of claimed) {
        const holders = (inFlight.get(item) ?? 1) - 1;
        if (holders > 0) inFlight.set(item, holders);
        else inFlight.delete(item);
      }
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : '';
    if (req.method === 'POST' && operation === 'TransactWriteItems') {
      let request: unknown;
      try {
        request = JSON.parse(await readBody(req));
      } catch {
        return send(res, {
          status: 400,
          body: { __type: 'com.amazon.coral.service#SerializationException' },
        });
      }
      return send(res, await transaction(request));
    }
    if (req.method === 'POST' && ITEM_OPERATIONS.has(operation)) {
      const body = await readBodyBuffer(req);
      let input: unknown;
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        input = undefined; // dynalite answers it
      }
      const release = await locks.acquire(await requestItems(operation, input, keySchemas.keySchemaOf));
      res.once('close', release);
      innerHandler(replay(req, body), res);
      return;
    }
    if (TABLE_OPERATIONS.has(operation)) {
      keySchemas.forget();
      res.once('close', () => keySchemas.forget());
    }
    innerHandler(req, res);
  };

  const front = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { ...wireError('InternalServerError', String(error)), status: 500 });
      else res.destroy();
    });
  });
  let port: number;
  try {
    port = await listen(front, options.port ?? 0);
  } catch (error) {
    await closeServer(inner);
    unclaim();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${HOST}:${port}`,
    close: () =>
      (closing ??= (async () => {
        await closeServer(front);
        // dynalite's close() also closes LevelDB, releasing its folder for the next start.
        try {
          await closeServer(inner);
        } finally {
          unclaim();
        }
      })()),
  };
}
