/** Lambda entry for the scheduled sweeper (EventBridge schedule): wiring only. */
import { ECSClient, StopTaskCommand } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { readAppEnv } from '../../core/env.js';
import { connectStore } from '../../core/store/connect.js';
import { LambdaDispatcher } from '../lambda-dispatcher.js';
import { createLogger, createProbot } from '../probot.js';
import { resolveSecrets } from '../secrets.js';
import { sweep, type SweepDeps, type SweepReport } from './sweep.js';

async function init(): Promise<SweepDeps> {
  const env = readAppEnv(await resolveSecrets(process.env));
  const log = createLogger(env.LOG_LEVEL);
  const probot = createProbot(env, log);
  const { store } = await connectStore(process.env);
  const dispatchFunction = process.env.DISPATCH_FUNCTION_NAME;
  const cluster = process.env.ECS_CLUSTER;
  if (!dispatchFunction || !cluster) throw new Error('DISPATCH_FUNCTION_NAME and ECS_CLUSTER must be set');
  const ecs = new ECSClient({});
  return {
    store,
    log,
    octokitFor: (id) => probot.auth(id),
    dispatcher: new LambdaDispatcher(new LambdaClient({}), dispatchFunction),
    runner: {
      stop: async (runnerId, reason) => {
        await ecs.send(new StopTaskCommand({ cluster, task: runnerId, reason })).catch(() => undefined);
      },
    },
    secrets: () => [env.privateKey, env.WEBHOOK_SECRET],
  };
}

let ready: Promise<SweepDeps> | undefined;

export async function handler(): Promise<SweepReport> {
  ready ??= init().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return sweep(await ready);
}
