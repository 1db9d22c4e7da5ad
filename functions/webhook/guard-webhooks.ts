/**
 * The local server's webhook checks, in front of Probot's middleware: the same answers the Lambda
 * handler gives, before anything is parsed. Probot's middleware reads a whole body into memory
 * before it looks at it; here a body over the limit is refused from its `content-length` at once,
 * or (sent without one) as soon as the bytes read pass the limit, so the server never holds more
 * than the limit of any request. Then the signature, over the raw bytes: missing, wrong or
 * SHA-1-only is a 401. A request that passes goes on to Probot with its body already read.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES } from './handle-webhook.js';

export interface WebhookGuardOptions {
  /** Probot's webhook path, `/api/github/webhooks` by default. */
  path: string;
  secret: string;
  maxBytes?: number;
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
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (req.method !== 'POST' || path !== options.path.replace(/\/+$/, '')) return pass(req, res);
    void checkWebhook(req, res, options)
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
): Promise<string | undefined> {
  const max = options.maxBytes ?? MAX_BODY_BYTES;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) return tooLarge(req, res, max);
  const bytes = await readUpTo(req, max);
  if (bytes === 'error') return undefined;
  if (bytes === 'too large') return tooLarge(req, res, max);
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

/** The request's bytes, or 'too large' as soon as they pass `max` (what came so far is dropped). */
function readUpTo(req: IncomingMessage, max: number): Promise<Buffer | 'too large' | 'error'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off('data', onData);
      resolve('too large');
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

function refuse(res: ServerResponse, status: number, error: string): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ error });
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    })
    .end(body);
}
