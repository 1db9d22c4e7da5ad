// GitHub App authentication as GitHub does it: RS256 app JWTs checked against the app's public key,
// installation tokens (`ghs_...`) with an expiry, a repository scope and permissions.
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { HttpError } from './http.js';
import type { Operation } from './openapi.js';
import type { AccessLevel, Permissions, RepoRecord, TokenRecord } from './types.js';

export type Credentials =
  | { kind: 'none' }
  | { kind: 'jwt'; appId: string }
  | { kind: 'token'; token: TokenRecord }
  | { kind: 'invalid'; message: string };

const BAD_CREDENTIALS = 'https://docs.github.com/rest';

export function verifyJwt(jwt: string, publicKey: KeyObject, appId: number, now = Date.now()): Credentials {
  const parts = jwt.split('.');
  if (parts.length !== 3) return { kind: 'invalid', message: 'A JSON web token could not be decoded' };
  const [h = '', p = '', s = ''] = parts;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  } catch {
    return { kind: 'invalid', message: 'A JSON web token could not be decoded' };
  }
  if (header.alg !== 'RS256') return { kind: 'invalid', message: 'A JSON web token could not be decoded' };
  const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'));
  if (!ok) return { kind: 'invalid', message: 'A JSON web token could not be decoded' };
  const seconds = Math.floor(now / 1000);
  if (String(payload.iss) !== String(appId)) {
    return {
      kind: 'invalid',
      message: `'Issuer' claim ('iss') must be an Integer (it is ${String(payload.iss)})`,
    };
  }
  if (typeof payload.exp !== 'number' || payload.exp <= seconds) {
    return {
      kind: 'invalid',
      message:
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
    };
  }
  if (payload.exp > seconds + 600 + 60) {
    return { kind: 'invalid', message: "'Expiration time' claim ('exp') is too far in the future" };
  }
  if (typeof payload.iat !== 'number' || payload.iat > seconds + 60) {
    return {
      kind: 'invalid',
      message:
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
    };
  }
  return { kind: 'jwt', appId: String(payload.iss) };
}

export function publicKeyOf(privateKeyPem: string): KeyObject {
  return createPublicKey(privateKeyPem);
}

export function newToken(): string {
  return `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
}

/** Parses `Authorization` into credentials; tokens are looked up (and expiry checked) by `lookup`. */
export function readCredentials(
  header: string | undefined,
  checkJwt: (jwt: string) => Credentials,
  lookup: (token: string) => TokenRecord | undefined,
): Credentials {
  if (!header) return { kind: 'none' };
  const m = /^(bearer|token)\s+(\S+)$/i.exec(header.trim());
  if (!m?.[2]) return { kind: 'invalid', message: 'Bad credentials' };
  const value = m[2];
  if (value.split('.').length === 3 && m[1]?.toLowerCase() === 'bearer') return checkJwt(value);
  const token = lookup(value);
  return token ? { kind: 'token', token } : { kind: 'invalid', message: 'Bad credentials' };
}

export function unauthorized(message: string): HttpError {
  return new HttpError(401, { message, documentation_url: BAD_CREDENTIALS, status: '401' });
}

export function tokenCoversRepo(token: TokenRecord, repo: RepoRecord): boolean {
  if (repo.installationId !== token.installationId) return false;
  return token.repositoryIds === undefined || token.repositoryIds.includes(repo.id);
}

const RANK: Record<AccessLevel, number> = { read: 1, write: 2, admin: 3 };

export function grants(permissions: Permissions, name: string, level: AccessLevel): boolean {
  const have = permissions[name];
  return have !== undefined && RANK[have] >= RANK[level];
}

/**
 * Which installation permission an operation needs, from the description's `x-github` category:
 * the alternatives (any one suffices) and the level (GET reads, anything else writes).
 */
export function requiredPermission(op: Operation): { names: string[]; level: AccessLevel } | undefined {
  const level: AccessLevel = op.method === 'GET' || op.method === 'HEAD' ? 'read' : 'write';
  const t = op.template;
  let names: string[];
  if (op.category === 'checks') names = ['checks'];
  else if (op.category === 'pulls') names = ['pull_requests'];
  else if (op.category === 'issues') names = ['issues', 'pull_requests'];
  else if (op.category === 'actions') names = ['actions'];
  else if (op.category === 'git') names = ['contents'];
  else if (op.category === 'reactions')
    names = t.includes('/pulls/') ? ['pull_requests'] : ['issues', 'pull_requests'];
  else if (op.category === 'repos' && ['contents', 'commits', 'branches'].includes(op.subcategory))
    names = ['contents'];
  else if (t.startsWith('/repos/{owner}/{repo}')) names = ['metadata'];
  else return undefined;
  if (names[0] === 'metadata') return { names, level: 'read' };
  return { names, level };
}
