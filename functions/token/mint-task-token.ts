/**
 * The control plane's half of the agent's tokens: check the caller against the task record
 * (core/task-token.ts decides), then mint an installation token for that task's installation and
 * repository only, with the permissions the agent needs. Used by the token function on AWS and by
 * the local runner for its child processes. The private key stays here.
 */
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import type { Logger } from 'pino';
import { repoRef } from '../../core/github/repository-gateway.js';
import type { TaskStore } from '../../core/store/task-store.js';
import {
  AGENT_TOKEN_PERMISSIONS,
  mayMintToken,
  type TokenAnswer,
  type TokenRequest,
} from '../../core/task-token.js';

/** The GitHub App's own credentials at work: a scoped installation token, and the app's slug. */
export interface AppTokenIssuer {
  installationToken(
    installationId: number,
    repositoryName: string,
  ): Promise<{ token: string; expiresAt: string }>;
  appSlug(): Promise<string>;
}

export interface AppCredentials {
  appId: number;
  privateKey: string;
  baseUrl: string;
}

/** The issuer over @octokit/auth-app: always a fresh token (a refused one must not come back). */
export function appTokenIssuer(credentials: AppCredentials): AppTokenIssuer {
  const auth = createAppAuth({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    request: request.defaults({ baseUrl: credentials.baseUrl }),
  });
  let slug: Promise<string> | undefined;
  return {
    async installationToken(installationId, repositoryName) {
      const minted = await auth({
        type: 'installation',
        installationId,
        repositoryNames: [repositoryName],
        permissions: { ...AGENT_TOKEN_PERMISSIONS },
        refresh: true,
      });
      return { token: minted.token, expiresAt: minted.expiresAt };
    },
    appSlug() {
      slug ??= (async () => {
        const { token } = await auth({ type: 'app' });
        const { data } = await request('GET /app', {
          baseUrl: credentials.baseUrl,
          headers: { authorization: `bearer ${token}` },
        });
        return data?.slug ?? 'nightshift';
      })().catch((error: unknown) => {
        slug = undefined;
        throw error;
      });
      return slug;
    },
  };
}

export interface MintDeps {
  store: Pick<TaskStore, 'get'>;
  issuer: AppTokenIssuer;
  log: Logger;
}

/**
 * A token for the task `request` names, if the caller may have one. `proof` is `channel` when the
 * caller is known by the channel it asked on (the local runner's child), else the nonce it sent is
 * checked. Never throws: every outcome is an answer the caller can act on.
 */
export async function mintTaskToken(
  deps: MintDeps,
  request: TokenRequest,
  proof: 'channel' | 'nonce',
): Promise<TokenAnswer> {
  const taskId = typeof request.taskId === 'string' ? request.taskId : '';
  const log = deps.log.child({ taskId, component: 'token' });
  let repositoryName = 'the repository';
  try {
    const task = taskId ? await deps.store.get(taskId) : undefined;
    const verdict = mayMintToken(taskId, task, proof === 'channel' ? 'channel' : { nonce: request.nonce });
    if (!verdict.allowed) {
      log.warn({ code: verdict.code, reason: verdict.reason }, 'token refused');
      return { ok: false, code: verdict.code, message: verdict.reason };
    }
    const { repository, installationId } = verdict.task;
    repositoryName = repoRef(repository).repo;
    const [minted, appSlug] = await Promise.all([
      deps.issuer.installationToken(installationId, repositoryName),
      deps.issuer.appSlug(),
    ]);
    log.info({ repository, expiresAt: minted.expiresAt }, 'token issued');
    return { ok: true, ...minted, appSlug };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 404 || status === 401 || status === 403 || status === 422) {
      log.warn({ status }, 'GitHub refused an installation token');
      return {
        ok: false,
        code: 'installation_gone',
        message: `GitHub refused an installation token (HTTP ${status}): the app was uninstalled or lost access to ${repositoryName}`,
      };
    }
    log.error({ err: error }, 'could not mint a token');
    return { ok: false, code: 'failed', message: `could not mint a token: ${(error as Error).message}` };
  }
}
