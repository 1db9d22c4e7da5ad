// The GitHub App's user authorization (the OAuth web flow) as GitHub runs it, and the few REST
// routes a user access token (`ghu_…`) reaches:
//
//   GET  /login/oauth/authorize?client_id&redirect_uri&state   who is signed in at "GitHub" is the
//        browser's `fake_github_user` cookie (GitHub's own session); 302 back with ?code&state
//   POST /login/oauth/access_token (form or JSON)              code → ghu_ token (one use, 10 min)
//   GET  /user · /user/installations · /user/installations/{id}/repositories   with that token
//
// A user sees an installation of this App when they can read one of its repositories
// (State.role: private repositories need a role, public ones are readable by all).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FakeGitHub } from './fake.js';
import { paginate, type Reply } from './http.js';
import { account, installation, repository } from './serialize.js';
import type { RepoRecord } from './types.js';

/** The browser cookie that says who is signed in at the fake GitHub. */
export const FAKE_GITHUB_USER_COOKIE = 'fake_github_user';

const CODE_TTL_MS = 10 * 60 * 1000;

interface Code {
  login: string;
  redirectUri: string | undefined;
  expiresAt: number;
}

export interface UserToken {
  login: string;
  expiresAt: number;
}

export class FakeOAuth {
  /** The App's client id and secret (Settings → General), as GitHub shows them. */
  readonly clientId = `Iv23li${randomBytes(7).toString('hex')}`;
  readonly clientSecret = randomBytes(20).toString('hex');
  /** Lifetime of user tokens minted from now on (GitHub's default: 8 hours). */
  userTokenTtlMs = 8 * 60 * 60 * 1000;
  readonly userTokens = new Map<string, UserToken>();
  private readonly codes = new Map<string, Code>();

  constructor(private readonly fake: FakeGitHub) {}

  /** Ends a user token's life early, as revoking the App's authorization does. */
  revoke(token: string): void {
    this.userTokens.delete(token);
  }

  /** The repositories `login` can read among the installation's (all of them when unset). */
  readableRepos(login: string, installationId?: number): RepoRecord[] {
    return [...this.fake.state.repos.values()]
      .filter((repo) => repo.installationId !== undefined)
      .filter((repo) => installationId === undefined || repo.installationId === installationId)
      .filter((repo) => this.fake.state.role(repo, login) !== 'none')
      .sort((a, b) => a.id - b.id);
  }

  /** An answer for the OAuth paths and for requests with a user token; undefined for the rest. */
  handle(req: IncomingMessage, url: URL, method: string, raw: Buffer): Reply | undefined {
    if (url.pathname === '/login/oauth/authorize' && method === 'GET') return this.authorize(req, url);
    if (url.pathname === '/login/oauth/access_token' && method === 'POST') return this.exchange(req, raw);
    const bearer = /^(?:bearer|token)\s+(ghu_\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    return bearer === undefined ? undefined : this.userRoute(bearer, url, method);
  }

  private authorize(req: IncomingMessage, url: URL): Reply {
    const query = url.searchParams;
    if (query.get('client_id') !== this.clientId) return page(404, 'No such application.');
    const login = cookies(req)[FAKE_GITHUB_USER_COOKIE];
    if (!login) return page(200, 'Sign in to GitHub to continue.');
    const redirectUri = query.get('redirect_uri') ?? undefined;
    const code = randomBytes(10).toString('hex');
    this.codes.set(code, { login, redirectUri, expiresAt: Date.now() + CODE_TTL_MS });
    this.fake.state.account(login);
    const back = new URL(redirectUri ?? 'http://callback.invalid/');
    back.searchParams.set('code', code);
    const state = query.get('state');
    if (state !== null) back.searchParams.set('state', state);
    return { status: 302, headers: { location: back.toString() }, raw: '' };
  }

  private exchange(req: IncomingMessage, raw: Buffer): Reply {
    const text = raw.toString();
    const fields: Record<string, string> = (req.headers['content-type'] ?? '').includes('json')
      ? (JSON.parse(text || '{}') as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(text));
    // GitHub answers OAuth errors with 200 and an `error` field.
    const error = (name: string, description: string): Reply => ({
      status: 200,
      body: { error: name, error_description: description, error_uri: 'https://docs.github.com/apps' },
    });
    if (fields.client_id !== this.clientId || fields.client_secret !== this.clientSecret)
      return error(
        'incorrect_client_credentials',
        'The client_id and/or client_secret passed are incorrect.',
      );
    const code = this.codes.get(fields.code ?? '');
    this.codes.delete(fields.code ?? '');
    if (!code || code.expiresAt <= Date.now())
      return error('bad_verification_code', 'The code passed is incorrect or expired.');
    if (code.redirectUri !== undefined && fields.redirect_uri !== code.redirectUri)
      return error('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL.');
    const token = `ghu_${randomBytes(18).toString('hex')}`;
    this.userTokens.set(token, { login: code.login, expiresAt: Date.now() + this.userTokenTtlMs });
    return {
      status: 200,
      body: {
        access_token: token,
        expires_in: Math.floor(this.userTokenTtlMs / 1000),
        refresh_token: `ghr_${randomBytes(30).toString('hex')}`,
        refresh_token_expires_in: 15_897_600,
        token_type: 'bearer',
        scope: '',
      },
    };
  }

  private userRoute(token: string, url: URL, method: string): Reply {
    const user = this.userTokens.get(token);
    if (!user || user.expiresAt <= Date.now())
      return { status: 401, body: { message: 'Bad credentials', status: '401' } };
    const self = url.toString();
    if (method === 'GET' && url.pathname === '/user')
      return { status: 200, body: account(this.fake, user.login) };
    if (method === 'GET' && url.pathname === '/user/installations') {
      const ids = new Set(this.readableRepos(user.login).map((repo) => repo.installationId));
      const all = [...this.fake.state.installations.values()].filter((i) => ids.has(i.id));
      const { items, headers } = paginate(all, url.searchParams, self);
      return {
        status: 200,
        body: { total_count: all.length, installations: items.map((i) => installation(this.fake, i)) },
        headers,
      };
    }
    const listed = /^\/user\/installations\/(\d+)\/repositories$/.exec(url.pathname);
    if (method === 'GET' && listed) {
      const repos = this.readableRepos(user.login, Number(listed[1]));
      if (repos.length === 0) return { status: 404, body: { message: 'Not Found', status: '404' } };
      const { items, headers } = paginate(repos, url.searchParams, self);
      return {
        status: 200,
        body: { total_count: repos.length, repositories: items.map((r) => repository(this.fake, r)) },
        headers,
      };
    }
    return { status: 404, body: { message: 'Not Found', status: '404' } };
  }
}

function page(status: number, text: string): Reply {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, raw: `<p>${text}</p>\n` };
}

function cookies(req: IncomingMessage): Record<string, string> {
  const found: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) found[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return found;
}
