/**
 * "Sign in with GitHub" through the GitHub App's own user authorization (the OAuth web flow), and
 * what the signed-in person may read, asked of GitHub with their user token. The flow's two
 * requests are @octokit/oauth-methods' own; GitHub's web address comes from the API's
 * (api.github.com → github.com, `https://HOST/api/v3` → `https://HOST`), so GitHub Enterprise
 * Server works by setting GITHUB_API_URL.
 */
import { exchangeWebFlowCode, getWebFlowAuthorizationUrl } from '@octokit/oauth-methods';
import { request as octokitRequest } from '@octokit/request';

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface SignedIn {
  login: string;
  userId: number;
  token: string;
  /** When GitHub says the token expires (epoch ms); undefined when it does not expire. */
  expiresAt: number | undefined;
}

export interface GitHubSignIn {
  /** Where to send the browser: GitHub's authorize page for this App. */
  authorizationUrl(state: string, redirectUrl: string): string;
  /** The callback's `code` exchanged for a user token, and who that token is. */
  complete(code: string, redirectUrl: string): Promise<SignedIn>;
  /** Full names (lower case) of the repositories the token's person can read in this App's installations. */
  readableRepositories(token: string): Promise<Set<string>>;
}

/** A GitHub answer that says the user token is no longer good (expired or revoked). */
export class UserTokenRejectedError extends Error {
  override readonly name = 'UserTokenRejectedError';
}

const PER_PAGE = 100;
/** Pages read per list at most: 10,000 installations or repositories per installation. */
const MAX_PAGES = 100;

export function githubSignIn(client: OAuthClient, apiUrl: string): GitHubSignIn {
  const request = octokitRequest.defaults({
    baseUrl: apiUrl.replace(/\/$/, ''),
    headers: { 'user-agent': 'nightshift-dashboard' },
  });
  const asUser = (token: string) => request.defaults({ headers: { authorization: `token ${token}` } });

  async function pages<T>(read: (page: number) => Promise<T[]>): Promise<T[]> {
    const all: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const items = await read(page);
      all.push(...items);
      if (items.length < PER_PAGE) break;
    }
    return all;
  }

  async function rejectedAs401<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if ((error as { status?: number }).status === 401) throw new UserTokenRejectedError('GitHub: 401');
      throw error;
    }
  }

  return {
    authorizationUrl: (state, redirectUrl) =>
      getWebFlowAuthorizationUrl({
        clientType: 'github-app',
        clientId: client.clientId,
        redirectUrl,
        state,
        request,
      }).url,

    async complete(code, redirectUrl) {
      const { authentication } = await exchangeWebFlowCode({
        clientType: 'github-app',
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        code,
        redirectUrl,
        request,
      });
      const { data: user } = await asUser(authentication.token)('GET /user');
      const expiresAt = 'expiresAt' in authentication ? Date.parse(authentication.expiresAt) : undefined;
      return { login: user.login, userId: Number(user.id), token: authentication.token, expiresAt };
    },

    async readableRepositories(token) {
      const user = asUser(token);
      const installations = await rejectedAs401(
        pages(
          async (page) =>
            (await user('GET /user/installations', { per_page: PER_PAGE, page })).data.installations,
        ),
      );
      const names = new Set<string>();
      for (const installation of installations) {
        const repositories = await rejectedAs401(
          pages(
            async (page) =>
              (
                await user('GET /user/installations/{installation_id}/repositories', {
                  installation_id: installation.id,
                  per_page: PER_PAGE,
                  page,
                })
              ).data.repositories,
          ),
        );
        for (const repository of repositories) names.add(repository.full_name.toLowerCase());
      }
      return names;
    },
  };
}
