/**
 * Who may read the local status page: whoever has the token `npm start` prints in its log at
 * start ("status at http://127.0.0.1:3000/status?token=…"), made fresh at each start. It is
 * accepted as `Authorization: Bearer <token>`, as `?token=<token>` (which also sets a cookie, so
 * the page's links and refreshes keep working), or as that cookie. The agent's tools, on the same
 * machine, can reach the port but never see the log.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const STATUS_COOKIE = 'nightshift_status';

export function newStatusToken(): string {
  return randomBytes(24).toString('base64url');
}

export type StatusAuth =
  /** Allowed; `setCookie` when the token came in the query and should be remembered. */
  { ok: true; setCookie?: string } | { ok: false };

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
const matches = (presented: string | undefined, token: string): boolean =>
  presented !== undefined && timingSafeEqual(digest(presented), digest(token));

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

export function authorizeStatus(req: IncomingMessage, url: URL, token: string): StatusAuth {
  if (matches(bearer(req), token) || matches(cookie(req, STATUS_COOKIE), token)) return { ok: true };
  if (matches(url.searchParams.get('token') ?? undefined, token)) {
    return { ok: true, setCookie: `${STATUS_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict` };
  }
  return { ok: false };
}
