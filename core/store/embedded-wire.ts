/**
 * The embedded store's HTTP plumbing: reading a request's body (bounded), answering in DynamoDB's
 * JSON protocol, handing a request whose body was read to dynalite as if unread, and calling
 * dynalite's request handler in this process, with no socket at all, for the server's own reads
 * and writes (transactions).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { WireCall, WireResponse } from './embedded-transactions.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export const TARGET_PREFIX = 'DynamoDB_20120810.';
/** dynalite's own limit on a request body. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
}

export function readBodyBuffer(req: IncomingMessage, limit = MAX_REQUEST_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new RequestTooLargeError(`request body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, response: WireResponse): void {
  const body = JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amz-crc32': String(crc32(body)),
    'x-amzn-requestid': randomBytes(26).toString('hex').toUpperCase(),
  });
  res.end(body);
}

/** A request whose body was already read, to hand to dynalite's handler as if it were unread. */
export function replay(
  req: Pick<IncomingMessage, 'headers' | 'method' | 'url'>,
  body: Buffer,
): IncomingMessage {
  const copy = Readable.from(body.length > 0 ? [body] : []);
  return Object.assign(copy, {
    headers: req.headers,
    method: req.method,
    url: req.url,
  }) as unknown as IncomingMessage;
}

/**
 * Calls dynalite's handler in this process (not through the front, whose locks the caller holds,
 * nor through any socket another process could reach). dynalite's handler uses only `statusCode`,
 * `setHeader` and `end` of its response.
 */
export function inProcessClient(handler: Handler): WireCall {
  return (operation, input) =>
    new Promise<WireResponse>((resolve, reject) => {
      const req = replay(
        {
          method: 'POST',
          url: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': TARGET_PREFIX + operation,
            'x-amz-date': '20200101T000000Z',
            // dynalite checks that a signature is present, not that it is right.
            authorization:
              'AWS4-HMAC-SHA256 Credential=local/20200101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
          },
        },
        Buffer.from(JSON.stringify(input)),
      );
      const res = {
        statusCode: 200,
        setHeader: () => res,
        end: (text?: string | Buffer) => {
          try {
            const body = text ? String(text) : '';
            resolve({
              status: res.statusCode,
              body: body ? (JSON.parse(body) as Record<string, unknown>) : {},
            });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
      };
      handler(req, res as unknown as ServerResponse);
    });
}
