/**
 * GitHub access for one task: an installation token scoped to this one repository, renewed
 * before it expires (tasks can outlive a token's hour), behind an Octokit that always sends the
 * current token. The same token reaches git only through `gitCredentialEnv`, per command.
 *
 * The tokens come from the control plane through a `TokenMinter` (agent-task/token-minters.ts):
 * this process never holds the App's private key, and the installation and repository are the
 * task's, fixed by the control plane, not chosen here.
 */
import type { EndpointOptions, RequestInterface, RequestParameters, Route } from '@octokit/types';
import { NightshiftOctokit } from '../core/github/octokit.js';
import type { Octokit } from '../core/github/repository-gateway.js';

/** Renew this long before expiry, so a push never starts with a token about to lapse. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

export class InstallationGoneError extends Error {
  override readonly name = 'InstallationGoneError';
}

/** The control plane would not mint a token for this task (it ended, or the caller is not its agent). */
export class TokenRefusedError extends Error {
  override readonly name = 'TokenRefusedError';
}

export interface MintedToken {
  token: string;
  /** ISO time. */
  expiresAt: string;
  /** The app's slug (its bot is `<slug>[bot]`). */
  appSlug?: string;
}

/**
 * Asks the control plane for a new token for this task's repository. Throws InstallationGoneError
 * when the app lost access, TokenRefusedError when the control plane refuses this caller.
 */
export interface TokenMinter {
  mint(): Promise<MintedToken>;
}

export interface TokenSourceOptions {
  minter: TokenMinter;
  /** For messages only: the minter decides the repository. */
  repositoryName: string;
  now?: () => number;
}

export class TokenSource {
  private current?: { token: string; expiresAt: number };
  private slug?: string;
  private readonly issued = new Set<string>();
  private pending?: Promise<string>;
  private readonly now: () => number;

  constructor(private readonly options: TokenSourceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The current token, renewed when it is within five minutes of expiring. */
  async token(): Promise<string> {
    if (this.current && this.current.expiresAt - this.now() > RENEW_BEFORE_MS) return this.current.token;
    this.pending ??= this.renew().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** The app's slug (its bot is `<slug>[bot]`), as the control plane sent it with a token. */
  async appSlug(): Promise<string> {
    if (!this.slug) await this.token();
    return this.slug ?? 'nightshift';
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
    const minted = await this.options.minter.mint();
    const expiresAt = Date.parse(minted.expiresAt);
    if (!minted.token || Number.isNaN(expiresAt)) {
      throw new Error(`the control plane sent no usable token for ${this.options.repositoryName}`);
    }
    this.current = { token: minted.token, expiresAt };
    if (minted.appSlug) this.slug = minted.appSlug;
    this.issued.add(minted.token);
    return minted.token;
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
