/**
 * Checks that a request to the embedded store is signed (AWS Signature Version 4, `Authorization`
 * header) with the store's credential, as DynamoDB checks its callers. dynalite itself only checks
 * that some signature is present; the embedded server asks this first and refuses the rest.
 *
 * The signature is computed again with the AWS SDK's own signer (`@smithy/signature-v4`) over the
 * headers the caller says it signed, and compared in constant time. On top of what the signature
 * covers: the request's date must be within 15 minutes of ours (as DynamoDB's), `host`,
 * `x-amz-date` and `x-amz-target` must be among the signed headers, and a payload hash header, if
 * any, must be the hash of the body that came.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpRequest } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { StoreCredentials } from './store-credentials.js';

export interface SignedRequest {
  method: string;
  /** The request target as received, e.g. `/` or `/?a=b`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** DynamoDB's allowance for a request's clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([a-z0-9;._-]+), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const REQUIRED_SIGNED = ['host', 'x-amz-date', 'x-amz-target'];

const refuse = (reason: string): Verdict => ({ ok: false, reason });

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(text: string | undefined): Date | undefined {
  const match = text === undefined ? null : AMZ_DATE.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function verifySignature(
  request: SignedRequest,
  credentials: StoreCredentials,
  now: Date = new Date(),
): Promise<Verdict> {
  const authorization = header(request.headers, 'authorization');
  if (!authorization) return refuse('no Authorization header');
  const match = AUTHORIZATION.exec(authorization.trim());
  if (!match) return refuse('the Authorization header is not an AWS4-HMAC-SHA256 signature');
  const [, accessKeyId, shortDate, region, service, signedList, signature] = match as unknown as string[];
  if (!sameText(accessKeyId!, credentials.accessKeyId)) return refuse('unknown access key');
  const signed = signedList!.split(';');
  if (REQUIRED_SIGNED.some((name) => !signed.includes(name)))
    return refuse(`the signature must cover ${REQUIRED_SIGNED.join(', ')}`);
  const amzDate = header(request.headers, 'x-amz-date');
  const date = parseAmzDate(amzDate);
  if (!date || !amzDate?.startsWith(shortDate!)) return refuse('missing or malformed x-amz-date');
  if (Math.abs(now.getTime() - date.getTime()) > MAX_CLOCK_SKEW_MS) return refuse('signature expired');
  const payloadHash = header(request.headers, 'x-amz-content-sha256');
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body).digest('hex'))
    return refuse('x-amz-content-sha256 is not the hash of the body');

  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = header(request.headers, name);
    if (value === undefined) return refuse(`signed header ${name} is missing`);
    headers[name] = value;
  }
  const target = new URL(request.url, 'http://store.invalid');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of target.searchParams) {
    const prior = query[name];
    query[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  const signer = new SignatureV4({
    credentials,
    region: region!,
    service: service!,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const expected = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: target.pathname,
      query,
      headers,
      body: request.body,
    }),
    { signingDate: date, signingRegion: region!, signingService: service!, signableHeaders: new Set(signed) },
  );
  const computed = AUTHORIZATION.exec(String(expected.headers.authorization ?? ''));
  if (!computed || computed[5] !== signedList || !sameText(computed[6]!, signature!))
    return refuse('signature does not match');
  return { ok: true };
}
