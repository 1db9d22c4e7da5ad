/**
 * The status page on AWS: the same pages `npm start` serves (status-page.ts), for signed-in
 * people only, each page filtered to the repositories its reader can read on GitHub.
 *
 *   GET /login            a fresh `state` in a short-lived cookie of this browser → GitHub's authorize page
 *   GET /login/callback   the `state` checked against that cookie · the code exchanged for a user
 *                         token · the session cookie set · back to where the person was going
 *   GET /logout           the session cookie cleared
 *   anything else         needs a session: none (or forged, or expired) → HTML pages redirect to
 *                         /login, the JSON answers 401; with one → the status paths, filtered
 *
 * What a person can read is asked of GitHub with their own token (github-sign-in.ts) and kept a
 * minute per person in this container, so a lost access stops showing within a minute.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { TaskStore } from '../../core/store/task-store.js';
import { isStatusPath, renderStatusResponse, type StatusResponse } from '../local/status-page.js';
import { type GitHubSignIn, type SignedIn, UserTokenRejectedError } from './github-sign-in.js';
import {
  type Session,
  SESSION_COOKIE,
  type SessionCookies,
  sameText,
  STATE_COOKIE,
} from './session-cookie.js';

export interface DashboardRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The request's cookies by name. */
  cookies: Record<string, string | undefined>;
  /** This site's origin (`https://<function url host>`), for the OAuth callback's address. */
  origin: string;
}

export interface DashboardResponse extends StatusResponse {
  /** Set-Cookie values. */
  cookies: string[];
}

export interface DashboardDeps {
  store: TaskStore;
  signIn: GitHubSignIn;
  sessions: SessionCookies;
  /** GitHub's web address, for links. */
  githubUrl: string;
  log: Logger;
  now?: () => number;
  /** How long what a person can read is remembered (default a minute). */
  readableTtlMs?: number;
  /** Longest session (default 8 hours, GitHub's user token lifetime). */
  sessionMs?: number;
}

export const CALLBACK_PATH = '/login/callback';
const STATE_MS = 10 * 60 * 1000;
const DEFAULT_SESSION_MS = 8 * 60 * 60 * 1000;
const DEFAULT_READABLE_TTL_MS = 60 * 1000;
/** People remembered at once per container; the oldest is forgotten first. */
const READABLE_CACHE_SIZE = 500;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=31536000',
} as const;

function cookie(name: string, value: string, maxAgeSeconds: number): string {
  // __Host-: only over HTTPS, only for this host, Path=/ (browsers enforce it).
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`;
}
const cleared = (name: string) => cookie(name, '', 0);

function respond(
  statusCode: number,
  body: string,
  extra: { headers?: Record<string, string>; cookies?: string[]; type?: string } = {},
): DashboardResponse {
  return {
    statusCode,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': extra.type ?? 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      ...extra.headers,
    },
    body,
    cookies: extra.cookies ?? [],
  };
}

const redirect = (location: string, cookies: string[] = []) =>
  respond(302, '', { headers: { location }, cookies });

const message = (statusCode: number, text: string, cookies: string[] = []) =>
  respond(statusCode, `<!doctype html><meta charset="utf-8"><title>Nightshift</title><p>${text}</p>\n`, {
    cookies,
  });

/** A path of this site (not `//host`, not a URL) to come back to after signing in. */
function localPath(value: string | null): string {
  return value && /^\/(?![/\\])/.test(value) && !/[\r\n]/.test(value) ? value : '/status';
}

export function createDashboard(
  deps: DashboardDeps,
): (request: DashboardRequest) => Promise<DashboardResponse> {
  const now = deps.now ?? Date.now;
  const ttl = deps.readableTtlMs ?? DEFAULT_READABLE_TTL_MS;
  const readableCache = new Map<number, { names: Set<string>; until: number }>();

  async function readable(session: Session): Promise<Set<string>> {
    const cached = readableCache.get(session.userId);
    if (cached && cached.until > now()) return cached.names;
    const names = await deps.signIn.readableRepositories(session.token);
    readableCache.delete(session.userId);
    readableCache.set(session.userId, { names, until: now() + ttl });
    if (readableCache.size > READABLE_CACHE_SIZE) readableCache.delete(readableCache.keys().next().value!);
    return names;
  }

  function startSignIn(request: DashboardRequest): DashboardResponse {
    const state = randomBytes(24).toString('base64url');
    const next = localPath(request.query.get('next'));
    const value = deps.sessions.signState({ state, next, expiresAt: now() + STATE_MS });
    const url = deps.signIn.authorizationUrl(state, `${request.origin}${CALLBACK_PATH}`);
    return redirect(url, [cookie(STATE_COOKIE, value, STATE_MS / 1000)]);
  }

  async function finishSignIn(request: DashboardRequest): Promise<DashboardResponse> {
    const clearState = [cleared(STATE_COOKIE)];
    const again = 'Sign-in could not be completed: <a href="/login">sign in again</a>.';
    const expected = deps.sessions.openState(request.cookies[STATE_COOKIE], now());
    const state = request.query.get('state');
    if (!expected || state === null || !sameText(state, expected.state)) {
      deps.log.warn(
        { event: 'dashboard-sign-in-refused' },
        'dashboard: a sign-in callback whose state does not match',
      );
      return message(400, again, clearState);
    }
    const code = request.query.get('code');
    if (!code) return message(400, again, clearState);
    let person: SignedIn;
    try {
      person = await deps.signIn.complete(code, `${request.origin}${CALLBACK_PATH}`);
    } catch (error) {
      // GitHub refused the code (used, expired, another redirect): the person starts again.
      if ((error as { status?: number }).status !== 400) throw error;
      deps.log.warn(
        { event: 'dashboard-sign-in-refused', error: (error as Error).message },
        'dashboard: GitHub refused the code',
      );
      return message(400, again, clearState);
    }
    const expiresAt = Math.min(now() + (deps.sessionMs ?? DEFAULT_SESSION_MS), person.expiresAt ?? Infinity);
    const session = deps.sessions.seal({ ...person, expiresAt });
    deps.log.info({ event: 'dashboard-signed-in', login: person.login }, 'dashboard: signed in');
    readableCache.delete(person.userId);
    const maxAge = Math.max(0, Math.floor((expiresAt - now()) / 1000));
    return redirect(expected.next, [...clearState, cookie(SESSION_COOKIE, session, maxAge)]);
  }

  function signInFirst(request: DashboardRequest, cookies: string[] = []): DashboardResponse {
    if (request.path.startsWith('/api/'))
      return respond(401, `${JSON.stringify({ error: 'sign in at /login first' })}\n`, {
        type: 'application/json; charset=utf-8',
        cookies,
      });
    const next = `${request.path}${request.query.size ? `?${request.query.toString()}` : ''}`;
    return redirect(`/login?next=${encodeURIComponent(next)}`, cookies);
  }

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return respond(405, '', { headers: { allow: 'GET, HEAD' } });
    if (request.path === '/login') return startSignIn(request);
    if (request.path === CALLBACK_PATH) return finishSignIn(request);
    if (request.path === '/logout')
      return message(200, 'Signed out. <a href="/login">Sign in</a>', [cleared(SESSION_COOKIE)]);

    const session = deps.sessions.open(request.cookies[SESSION_COOKIE], now());
    if (!session)
      return signInFirst(request, request.cookies[SESSION_COOKIE] ? [cleared(SESSION_COOKIE)] : []);
    if (request.path === '/') return redirect('/status');
    if (!isStatusPath(request.path)) return message(404, 'Not found.');
    let names: Set<string>;
    try {
      names = await readable(session);
    } catch (error) {
      if (error instanceof UserTokenRejectedError) return signInFirst(request, [cleared(SESSION_COOKIE)]);
      throw error;
    }
    const page = await renderStatusResponse(deps.store, request.path, request.query, new Date(now()), {
      githubUrl: deps.githubUrl,
      canRead: (repository) => names.has(repository.toLowerCase()),
      reader: { login: session.login },
    });
    return { ...page, headers: { ...SECURITY_HEADERS, ...page.headers }, cookies: [] };
  };
}
