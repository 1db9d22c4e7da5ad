/**
 * `npm start`'s door to `acceptWebhook`: a Node request handler for the webhook path that reads the
 * body as a stream and hands its bytes to the one acceptance path.
 *
 * It never holds more of a body than the cap: a body over `MAX_BODY_BYTES` is refused from its
 * `content-length` at once, or (sent without one) as soon as the bytes read pass the cap. The
 * bodies in flight together share a `BodyBudget` (32 MB): a request that announces a length takes
 * it before a byte is read, one without takes it as its bytes arrive, and what a request took is
 * given back when its response closes (answered, or the connection gone). A request the budget
 * cannot take is answered 503 with `Retry-After` at once. A refused body's bytes are dropped,
 * never kept.
 *
 * A delivery taken is answered 200 with intake's outcome, as `npm start` always answered (the
 * Function URL says 202 when it created work); a refusal with its status and reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES, TOO_LARGE, acceptWebhook, refusal, type AcceptDeps } from './accept-webhook.js';
import type { WebhookVerdict } from './accept-webhook.js';
import { BodyBudget } from './body-budget.js';

/** A Node request handler: true when it answered, false to let the next handler try. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface NodeWebhookOptions {
  /** The webhook path, `/api/github/webhooks`. */
  path: string;
  /** Bytes of webhook bodies held at once across requests; default `MAX_IN_FLIGHT_BYTES`. */
  maxInFlightBytes?: number;
}

/** Seconds a sender refused for lack of room is asked to wait. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

const BUSY = refusal(503, 'too many webhook bodies in flight; retry shortly', {
  'retry-after': String(BUSY_RETRY_AFTER_SECONDS),
});

/** Bytes of a refused body read and dropped before the connection is cut. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

export function webhookHandler(deps: AcceptDeps, options: NodeWebhookOptions): NodeHandler {
  const budget = new BodyBudget(options.maxInFlightBytes);
  const webhookPath = options.path.replace(/\/+$/, '');
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (req.method !== 'POST' || path !== webhookPath) return false;
    const hold = budget.hold();
    res.once('close', hold.release);
    const bytes = await readBody(req, hold.take);
    if (bytes === 'error') return true;
    const verdict = Buffer.isBuffer(bytes)
      ? await acceptWebhook(deps, { headers: req.headers, body: bytes })
      : bytes;
    if (!verdict.accepted) drop(req);
    answer(res, verdict);
    return true;
  };
}

/**
 * The request's bytes, or the refusal as soon as they pass the cap or the budget refuses room
 * (what came so far is dropped); 'error' when the request broke off.
 */
function readBody(
  req: IncomingMessage,
  take: (bytes: number) => boolean,
): Promise<Buffer | WebhookVerdict | 'error'> {
  const length = req.headers['content-length'];
  const declared = Number(length);
  const announced = length !== undefined && Number.isFinite(declared);
  if (announced && declared > MAX_BODY_BYTES) return Promise.resolve(TOO_LARGE);
  // An announced length is taken whole before reading (the parser stops the body there).
  if (announced && !take(declared)) return Promise.resolve(BUSY);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      const refused = size > MAX_BODY_BYTES ? TOO_LARGE : announced || take(chunk.length) ? undefined : BUSY;
      if (!refused) return void chunks.push(chunk);
      chunks.length = 0;
      req.off('data', onData);
      resolve(refused);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => resolve('error'));
  });
}

/** Read the rest of a refused body and drop it; past `DRAIN_LIMIT` dropped bytes, cut it off. */
function drop(req: IncomingMessage): void {
  if (req.readableEnded) return;
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT) req.destroy();
  });
  req.resume();
}

function answer(res: ServerResponse, verdict: WebhookVerdict): void {
  if (res.headersSent) return;
  const body = JSON.stringify(verdict.accepted ? verdict.outcome : { error: verdict.error });
  res
    .writeHead(verdict.accepted ? 200 : verdict.status, {
      ...(verdict.accepted ? {} : verdict.headers),
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    })
    .end(body);
}
