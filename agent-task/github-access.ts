/**
 * GitHub access for one task: an installation token scoped to this one repository, renewed
 * before it expires (tasks can outlive a token's hour), behind an Octokit that always sends the
 * current token. The same token reaches git only through `gitCredentialEnv`, per command.
 */
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import type { EndpointOptions, RequestInterface, RequestParameters, Route } from '@octokit/types';
import { NightshiftOctokit } from '../core/github/octokit.js';
import type { Octokit } from '../core/github/reporter.js';

/** Renew this long before expiry, so a push never starts with a token about to lapse. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

export class InstallationGoneError extends Error {
  override readonly name = 'InstallationGoneError';
}

export interface TokenSourceOptions {
  appId: number;
  privateKey: string;
  installationId: number;
  repositoryName: string;
  baseUrl: string;
  now?: () => number;
}

export class TokenSource {
  private current?: { token: string; expiresAt: number };
  private readonly issued = new Set<string>();
  private pending?: Promise<string>;
  private readonly auth: ReturnType<typeof createAppAuth>;
  private readonly now: () => number;

  constructor(private readonly options: TokenSourceOptions) {
    this.auth = createAppAuth({
      appId: options.appId,
      privateKey: options.privateKey,
      request: request.defaults({ baseUrl: options.baseUrl }),
    });
    this.now = options.now ?? Date.now;
  }

  /** The current token, renewed when it is within five minutes of expiring. */
  async token(): Promise<string> {
    if (this.current && this.current.expiresAt - this.now() > RENEW_BEFORE_MS) return this.current.token;
    this.pending ??= this.renew().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** The app's slug (its bot is `<slug>[bot]`), read with the app's own JWT. */
  async appSlug(): Promise<string> {
    const { token } = await this.auth({ type: 'app' });
    const { data } = await request('GET /app', {
      baseUrl: this.options.baseUrl,
      headers: { authorization: `bearer ${token}` },
    });
    return data?.slug ?? 'nightshift';
  }

  /** Every secret value this source has handed out, for redaction. */
  knownTokens(): string[] {
    return [...this.issued];
  }

  /**
   * GitHub refused `token` (401): it was revoked, or expired early. The next `token()` asks for a
   * new one, which fails with InstallationGoneError if the app lost access.
   */
  refused(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async renew(): Promise<string> {
    try {
      const auth = await this.auth({
        type: 'installation',
        installationId: this.options.installationId,
        repositoryNames: [this.options.repositoryName],
        refresh: true,
      });
      this.current = { token: auth.token, expiresAt: Date.parse(auth.expiresAt) };
      this.issued.add(auth.token);
      return auth.token;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 401 || status === 403) {
        throw new InstallationGoneError(
          `GitHub refused an installation token (HTTP ${status}): the app was uninstalled or lost access to ${this.options.repositoryName}`,
        );
      }
      throw error;
    }
  }
}

/**
 * An Octokit (Probot's, with retry, throttling and config plugins) that authenticates with the
 * source. A 401 (the token was revoked, or expired early) gets one more try with a new token; if
 * GitHub will not issue one, the request fails with InstallationGoneError instead of looping.
 */
export function octokitWithTokens(tokens: TokenSource, baseUrl: string): Octokit {
  const authStrategy = () =>
    Object.assign(async () => ({ type: 'token', token: await tokens.token() }), {
      hook: async (req: RequestInterface, route: Route | EndpointOptions, parameters?: RequestParameters) => {
        const endpoint = req.endpoint.merge(route as Route, parameters ?? {});
        const send = (token: string) => {
          endpoint.headers.authorization = `token ${token}`;
          return req({ ...endpoint, url: endpoint.url ?? String(route) });
        };
        const token = await tokens.token();
        try {
          return await send(token);
        } catch (error) {
          if ((error as { status?: number }).status !== 401) throw error;
          tokens.refused(token);
          return send(await tokens.token());
        }
      },
    });
  return new NightshiftOctokit({ baseUrl, authStrategy }) as Octokit;
}

/** The git setting that gives one command the token as an HTTP header, never in argv or config. */
export function gitCredentialSetting(token: string): [string, string] {
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return ['http.extraHeader', `Authorization: Basic ${basic}`];
}
