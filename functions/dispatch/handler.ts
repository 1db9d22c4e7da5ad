/** Lambda entry for dispatch (invoked asynchronously by the webhook): wiring only. */
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { readAppEnv } from '../../core/env.js';
import type { DispatchMessage } from '../../core/ports.js';
import { connectStore } from '../../core/store/connect.js';
import { LambdaDispatcher } from '../lambda-dispatcher.js';
import { createLogger, createProbot } from '../probot.js';
import { ecsRunnerFromEnv } from '../runners/ecs-runner.js';
import { resolveSecrets } from '../secrets.js';
import { handleDispatchMessage, type DispatchDeps } from './dispatch.js';

async function init(): Promise<DispatchDeps> {
  const env = readAppEnv(await resolveSecrets(process.env));
  const log = createLogger(env.LOG_LEVEL);
  const probot = createProbot(env, log);
  const { store } = await connectStore(process.env);
  return {
    store,
    log,
    octokitFor: (id) => probot.auth(id),
    dispatcher: new LambdaDispatcher(
      new LambdaClient({}),
      process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'dispatch',
    ),
    runner: ecsRunnerFromEnv(process.env, new ECSClient({})),
    secrets: () => [env.privateKey, env.WEBHOOK_SECRET],
  };
}

let ready: Promise<DispatchDeps> | undefined;

export async function handler(event: DispatchMessage): Promise<void> {
  ready ??= init().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  await handleDispatchMessage(await ready, event);
}
