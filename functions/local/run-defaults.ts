/**
 * What `nightshift run` works out when it is not told: the GitHub App's installation on the
 * repository (GitHub's "get a repository installation", asked with the App's own JWT), and who
 * answers for the task: the person who opened the issue or pull request (read with that
 * installation's token; a bot is nobody's responsibility). Dispatch still checks that person's
 * permission, as for a webhook.
 */
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { readAppCredentials } from '../../core/env.js';
import { repoRef } from '../../core/github/repository-gateway.js';
import type { Target } from '../../core/task.js';

export interface RunDefaults {
  installationId: number;
  /** The target's author, when a person opened it. */
  author?: string;
}

export class RunDefaultsError extends Error {
  override readonly name = 'RunDefaultsError';
}

export async function findRunDefaults(
  env: NodeJS.ProcessEnv,
  repository: string,
  target: Target,
  installationId?: number,
): Promise<RunDefaults> {
  let credentials: ReturnType<typeof readAppCredentials>;
  try {
    credentials = readAppCredentials(env);
  } catch (error) {
    throw new RunDefaultsError(
      `the GitHub App's credentials are needed to find its installation on ${repository} ` +
        `(${(error as Error).message.replace(/\s+/g, ' ')}): run in the folder whose .env npm start ` +
        `uses, or pass --installation ID and --engineer LOGIN`,
    );
  }
  const baseUrl = credentials.GITHUB_API_URL;
  const github = request.defaults({ baseUrl });
  const auth = createAppAuth({
    appId: credentials.APP_ID,
    privateKey: credentials.privateKey,
    request: github,
  });
  const { owner, repo } = repoRef(repository);
  const id =
    installationId ?? (await installationOf(github, (await auth({ type: 'app' })).token, repository));
  const { token } = await auth({ type: 'installation', installationId: id, repositoryNames: [repo] });
  const path =
    target.kind === 'issue'
      ? 'GET /repos/{owner}/{repo}/issues/{number}'
      : 'GET /repos/{owner}/{repo}/pulls/{number}';
  const { data } = await github(path, {
    owner,
    repo,
    number: target.number,
    headers: { authorization: `token ${token}` },
  });
  const user = (data as { user?: { login?: string; type?: string } | null }).user;
  return { installationId: id, ...(user?.login && user.type === 'User' ? { author: user.login } : {}) };
}

async function installationOf(github: typeof request, jwt: string, repository: string): Promise<number> {
  const { owner, repo } = repoRef(repository);
  try {
    const { data } = await github('GET /repos/{owner}/{repo}/installation', {
      owner,
      repo,
      headers: { authorization: `bearer ${jwt}` },
    });
    return data.id;
  } catch (error) {
    if ((error as { status?: number }).status === 404) {
      throw new RunDefaultsError(
        `the GitHub App is not installed on ${repository}: install it there (the App's page → Install), ` +
          `or pass --installation ID`,
      );
    }
    throw error;
  }
}
