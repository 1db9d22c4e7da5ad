/** Lambda entry for dispatch (invoked asynchronously by the webhook): wiring only. */
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { readAppEnv } from '../../core/env.js';
import type { DispatchMessage } from '../../core/ports.js';
import { connectStore } from '../../core/store/connect.js';
import { LambdaDispatcher } from '../lambda-dispatcher.js';
import { createLogger, createProbot } from '../probot.js';
import { EcsRunner } from '../runners/ecs-runner.js';
import { resolveSecrets } from '../secrets.js';
import { handleDispatchMessage, type DispatchDeps } from './dispatch.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function init(): Promise<DispatchDeps> {
  const env = readAppEnv(await resolveSecrets(process.env));
  const log = createLogger(env.LOG_LEVEL);
  const probot = createProbot(env, log);
  const { store } = await connectStore(process.env);
  return {
    store,
    log,
    octokitFor: (id) => probot.auth(id),
    dispatcher: new LambdaDispatcher(new LambdaClient({}), required('AWS_LAMBDA_FUNCTION_NAME')),
    runner: new EcsRunner({
      client: new ECSClient({}),
      cluster: required('ECS_CLUSTER'),
      taskDefinition: required('ECS_TASK_DEFINITION'),
      containerName: required('ECS_CONTAINER_NAME'),
      subnets: required('ECS_SUBNETS').split(','),
      securityGroups: required('ECS_SECURITY_GROUPS').split(','),
      assignPublicIp: process.env.ECS_ASSIGN_PUBLIC_IP === 'true',
    }),
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
