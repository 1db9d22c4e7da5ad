/**
 * The redelivery function's dependencies: the App's id and key (it acts as the App, with a JWT;
 * no webhook secret, no installation), the store (for its claims) and the logger.
 */
import type { Logger } from 'pino';
import { readAppCredentials } from '../../core/env.js';
import type { Octokit } from '../../core/github/repository-gateway.js';
import { createLogger } from '../../core/log.js';
import { connectStore } from '../../core/store/connect.js';
import { createProbot } from '../probot.js';
import type { RedeliveryDeps } from '../redelivery/redeliver.js';
import { resolveSecrets } from '../secrets.js';

export async function composeRedelivery(source: NodeJS.ProcessEnv, log?: Logger): Promise<RedeliveryDeps> {
  const processEnv = await resolveSecrets(source);
  const env = readAppCredentials(processEnv);
  const logger = log ?? createLogger(env.LOG_LEVEL);
  const { store } = await connectStore(processEnv);
  const probot = createProbot(env, logger);
  return { store, log: logger, appOctokit: () => probot.auth() as Promise<Octokit> };
}
