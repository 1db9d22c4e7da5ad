/**
 * What every Lambda builds once per cold start, in one place: the environment with its secrets
 * from Secrets Manager, the logger, Probot (for installation tokens), the store, and the dispatch
 * function to hand work to. Built lazily on the first invocation and kept for the warm ones; a
 * failed start (secrets not set yet) is not kept, so the next invocation tries again.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Logger } from 'pino';
import type { Probot } from 'probot';
import { readAppEnv, type AppEnv } from '../core/env.js';
import type { Octokit } from '../core/github/reporter.js';
import { createLogger } from '../core/log.js';
import { connectStore } from '../core/store/connect.js';
import type { TaskStore } from '../core/store/task-store.js';
import { LambdaDispatcher } from './lambda-dispatcher.js';
import { createProbot } from './probot.js';
import { resolveSecrets } from './secrets.js';

export { once } from './once.js';

export interface LambdaContext {
  env: AppEnv;
  log: Logger;
  probot: Probot;
  store: TaskStore;
  octokitFor(installationId: number): Promise<Octokit>;
  secrets(): string[];
}

export async function lambdaContext(): Promise<LambdaContext> {
  const env = readAppEnv(await resolveSecrets(process.env));
  const log = createLogger(env.LOG_LEVEL);
  const probot = createProbot(env, log);
  const { store } = await connectStore(process.env);
  return {
    env,
    log,
    probot,
    store,
    octokitFor: (id) => probot.auth(id),
    secrets: () => [env.privateKey, env.WEBHOOK_SECRET],
  };
}

/** The dispatch Lambda, invoked asynchronously; `name` defaults to DISPATCH_FUNCTION_NAME. */
export function dispatchFunction(name = process.env.DISPATCH_FUNCTION_NAME): LambdaDispatcher {
  if (!name) throw new Error('DISPATCH_FUNCTION_NAME is not set');
  return new LambdaDispatcher(new LambdaClient({}), name);
}
