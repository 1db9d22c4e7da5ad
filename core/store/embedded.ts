/**
 * The embedded store: dynalite (DynamoDB's protocol over LevelDB) in this process, on loopback.
 * In memory for tests; persisted under a folder (`.data/dynamo` for `npm start`) when given a path.
 *
 * Only Nightshift's own processes may use it: every request must be signed (AWS SigV4) with a
 * credential made at each start (store-credentials.ts, verify-signature.ts); any other request
 * is refused, before it is read further, with DynamoDB's `UnrecognizedClientException`. The
 * agent's tools, on the same machine, can reach the port but not the credential.
 *
 * dynalite answers every operation but TransactWriteItems, which the store relies on, so the server
 * clients talk to is a thin front on dynalite's own HTTP server (its request listener replaced):
 * it checks the signature, answers TransactWriteItems itself (embedded-transactions.ts) and hands
 * every other request to dynalite's handler. The front's own reads and writes call that handler
 * in this process (embedded-wire.ts): dynalite listens on no port of its own. It also answers a
 * single-item write that asks for the old item on a failed condition, which dynalite ignores
 * (embedded-old-item.ts).
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
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import {
  cancelled,
  type KeySchemaOf,
  type WireItem,
  type WireResponse,
  executeTransaction,
  isPrepared,
  itemIdentity,
  keySchemaCache,
  prepareTransaction,
  wireError,
} from './embedded-transactions.js';
import { wantsOldItem, writeReturningOldItem } from './embedded-old-item.js';
import {
  type Handler,
  RequestTooLargeError,
  TARGET_PREFIX,
  inProcessClient,
  readBodyBuffer,
  replay,
  send,
} from './embedded-wire.js';
import { ItemLocks } from './item-locks.js';
import { type StoreCredentials, newStoreCredentials } from './store-credentials.js';
import { verifySignature } from './verify-signature.js';

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>`: give it to the DynamoDB client as its endpoint. */
  endpoint: string;
  /** What every request must be signed with. */
  credentials: StoreCredentials;
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
  /** Default: a fresh random one. */
  credentials?: StoreCredentials;
  /** Called with each refused request's reason (for the log); nothing is said by default. */
  onRefused?: (reason: string) => void;
}

const HOST = '127.0.0.1';

/** DynamoDB's answer to a request not signed with a credential it knows. */
export const UNRECOGNIZED_CLIENT: WireResponse = {
  status: 400,
  body: {
    __type: 'com.amazon.coral.service#UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
};

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

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const credentials = options.credentials ?? newStoreCredentials();
  let unclaim = () => {};
  if (options.path) {
    mkdirSync(options.path, { recursive: true, mode: 0o700 });
    chmodSync(options.path, 0o700);
    unclaim = claimFolder(options.path);
  }
  // dynalite's own server, with the front as its request listener: one port, and close() still
  // closes LevelDB, releasing its folder for the next start.
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const innerHandler = server.listeners('request')[0] as Handler | undefined;
  if (!innerHandler) {
    unclaim();
    throw new Error('dynalite: no request handler (an unsupported dynalite version?)');
  }
  server.removeAllListeners('request');
  const call = inProcessClient(innerHandler);
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
    let body: Buffer;
    try {
      body = await readBodyBuffer(req);
    } catch (error) {
      if (!(error instanceof RequestTooLargeError)) throw error;
      res.writeHead(413, { connection: 'close' }).end();
      return;
    }
    const verdict = await verifySignature(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
      credentials,
    );
    if (!verdict.ok) {
      options.onRefused?.(verdict.reason);
      return send(res, UNRECOGNIZED_CLIENT);
    }
    const target = req.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : '';
    if (req.method === 'POST' && operation === 'TransactWriteItems') {
      let request: unknown;
      try {
        request = JSON.parse(body.toString('utf8'));
      } catch {
        return send(res, {
          status: 400,
          body: { __type: 'com.amazon.coral.service#SerializationException' },
        });
      }
      return send(res, await transaction(request));
    }
    if (req.method === 'POST' && ITEM_OPERATIONS.has(operation)) {
      let input: unknown;
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        input = undefined; // dynalite answers it
      }
      const release = await locks.acquire(await requestItems(operation, input, keySchemas.keySchemaOf));
      if (wantsOldItem(operation, input)) {
        try {
          return send(res, await writeReturningOldItem(operation, input, call, keySchemas.keySchemaOf));
        } finally {
          release();
        }
      }
      res.once('close', release);
      innerHandler(replay(req, body), res);
      return;
    }
    if (TABLE_OPERATIONS.has(operation)) {
      keySchemas.forget();
      res.once('close', () => keySchemas.forget());
    }
    innerHandler(replay(req, body), res);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, { ...wireError('InternalServerError', String(error)), status: 500 });
      else res.destroy();
    });
  });
  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (error) {
    // dynalite closes LevelDB only from a listening server's close().
    await listen(server, 0)
      .then(() => closeServer(server))
      .catch(() => undefined);
    unclaim();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${HOST}:${port}`,
    credentials,
    close: () =>
      (closing ??= (async () => {
        try {
          await closeServer(server);
        } finally {
          unclaim();
        }
      })()),
  };
}
