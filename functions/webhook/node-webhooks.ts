/**
 * The local server's webhook checks, in front of Probot's middleware: the same answers the Lambda
 * handler gives, before anything is parsed. Probot's middleware reads a whole body into memory
 * before it looks at it; here a body over the limit is refused from its `content-length` at once,
 * or (sent without one) as soon as the bytes read pass the limit, so the server never holds more
 * than the limit of any request. Then the signature, over the raw bytes: missing, wrong or
 * SHA-1-only is a 401. A request that passes goes on to Probot with its body already read.
 *
 * The limit per request does not bound many requests at once: eight unfinished 24 MB bodies would
 * be 192 MB held. So the bodies in flight together share a budget (`maxInFlightBytes`, 32 MB): a
 * request that announces a length takes it from the budget before a byte is read, one without
 * takes it as its bytes arrive, and what a request took is given back when its response closes
 * (answered, or the connection gone). A request the budget cannot take is answered 503 with
 * `Retry-After` at once, and its bytes are dropped, never kept.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from './handle-webhook.js';

export interface WebhookGuardOptions {
  /** Probot's webhook path, `/api/github/webhooks` by default. */
  path: string;
  secret: string;
  maxBytes?: number;
  /** Bytes of webhook bodies held at once across requests; default `MAX_IN_FLIGHT_BYTES`. */
  maxInFlightBytes?: number;
}

export const MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;
/** Seconds a sender refused for lack of room is asked to wait. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/** The bytes of bodies in flight, shared by all requests of one server. */
class BodyBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  /** A hold for one request: takes bytes while they fit, gives all back once. */
  hold(): { take(bytes: number): boolean; release(): void } {
    let held = 0;
    return {
      take: (bytes) => {
        if (this.used + bytes > this.limit) return false;
        this.used += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        this.used -= held;
        held = 0;
      },
    };
  }
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Put the checks in front of every `request` listener the server has now (Probot's, once it was
 * started). Requests to other paths, and other methods, go straight through.
 */
export function guardWebhooks(server: Server, options: WebhookGuardOptions): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const listener of listeners) listener.call(server, req, res);
  };
  const budget = new BodyBudget(options.maxInFlightBytes ?? MAX_IN_FLIGHT_BYTES);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (req.method !== 'POST' || path !== options.path.replace(/\/+$/, '')) return pass(req, res);
    const hold = budget.hold();
    res.once('close', hold.release);
    void checkWebhook(req, res, options, hold.take)
      .then((body) => {
        if (body === undefined) return;
        // Probot's middleware takes a string body as the payload instead of reading the stream.
        (req as IncomingMessage & { body?: string }).body = body;
        pass(req, res);
      })
      .catch(() => refuse(res, 500, 'the webhook could not be read'));
  });
}

/** The body as text when the request may go on; undefined when it was answered here. */
async function checkWebhook(
  req: IncomingMessage,
  res: ServerResponse,
  options: WebhookGuardOptions,
  take: (bytes: number) => boolean,
): Promise<string | undefined> {
  const max = options.maxBytes ?? MAX_BODY_BYTES;
  const declared = Number(req.headers['content-length']);
  const announced = req.headers['content-length'] !== undefined && Number.isFinite(declared);
  if (announced && declared > max) return tooLarge(req, res, max);
  // An announced length is taken whole before reading (the parser stops the body there).
  if (announced && !take(declared)) return busy(req, res);
  const bytes = await readUpTo(req, max, announced ? () => true : take);
  if (bytes === 'error') return undefined;
  if (bytes === 'too large') return tooLarge(req, res, max);
  if (bytes === 'busy') return busy(req, res);
  const signature = req.headers['x-hub-signature-256'];
  if (typeof signature !== 'string' || !signatureMatches(options.secret, bytes, signature)) {
    refuse(res, 401, 'signature missing or wrong (x-hub-signature-256)');
    return undefined;
  }
  const body = bytes.toString('utf8');
  if (!Buffer.from(body, 'utf8').equals(bytes)) {
    refuse(res, 400, 'body is not UTF-8');
    return undefined;
  }
  return body;
}

/**
 * The request's bytes; 'too large' as soon as they pass `max`, 'busy' as soon as `take` refuses
 * room for a chunk (either way, what came so far is dropped).
 */
function readUpTo(
  req: IncomingMessage,
  max: number,
  take: (bytes: number) => boolean,
): Promise<Buffer | 'too large' | 'busy' | 'error'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      const refused = size > max ? 'too large' : take(chunk.length) ? undefined : 'busy';
      if (!refused) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off('data', onData);
      resolve(refused);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => resolve('error'));
  });
}

/** GitHub's `sha256=<hex HMAC of the body>`, compared in constant time. */
export function signatureMatches(secret: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Answer 413 at once. The rest of the body is read and dropped (never kept), so the sender, still
 * writing, gets to read the answer; past `DRAIN_LIMIT` dropped bytes the connection is cut.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse, max: number): undefined {
  refuse(res, 413, `payload too large (over ${Math.round(max / 1024 / 1024)} MB)`);
  return drop(req);
}

/** Answer 503 with Retry-After at once: the bodies in flight fill the budget. */
function busy(req: IncomingMessage, res: ServerResponse): undefined {
  refuse(res, 503, 'too many webhook bodies in flight; retry shortly', {
    'retry-after': String(BUSY_RETRY_AFTER_SECONDS),
  });
  return drop(req);
}

/** Read the rest of a refused body and drop it; past `DRAIN_LIMIT` dropped bytes, cut it off. */
function drop(req: IncomingMessage): undefined {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT) req.destroy();
  });
  req.resume();
  return undefined;
}

/** Bytes of a refused body read and dropped before the connection is cut. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

function refuse(
  res: ServerResponse,
  status: number,
  error: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ error });
  res
    .writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    })
    .end(body);
}
