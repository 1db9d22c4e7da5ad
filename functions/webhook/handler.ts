/**
 * Lambda entry for the webhook Function URL: wiring only. Dependencies are built once per cold
 * start, outside the per-invocation handler, so a reused container does not register twice.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { readAppEnv } from '../../core/env.js';
import { connectStore } from '../../core/store/connect.js';
import { nightshiftApp } from '../app.js';
import type { IntakeOutcome } from '../intake.js';
import { LambdaDispatcher } from '../lambda-dispatcher.js';
import { createLogger, createProbot } from '../probot.js';
import { resolveSecrets } from '../secrets.js';
import { handleWebhook, type WebhookDeps } from './handle-webhook.js';

async function init(): Promise<WebhookDeps> {
  const env = readAppEnv(await resolveSecrets(process.env));
  const log = createLogger(env.LOG_LEVEL);
  const { store } = await connectStore(process.env);
  const functionName = process.env.DISPATCH_FUNCTION_NAME;
  if (!functionName) throw new Error('DISPATCH_FUNCTION_NAME is not set');
  const outcomes = new Map<string, IntakeOutcome>();
  const probot = createProbot(env, log);
  await probot.load(
    nightshiftApp({
      store,
      dispatcher: new LambdaDispatcher(new LambdaClient({}), functionName),
      appId: env.APP_ID,
      label: env.NIGHTSHIFT_LABEL,
      log,
      outcomes,
    }),
  );
  return { probot, outcomes };
}

let ready: Promise<WebhookDeps> | undefined;

export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  ready ??= init().catch((error: unknown) => {
    ready = undefined; // a failed cold start (secrets not set yet) must not poison a warm container
    throw error;
  });
  return handleWebhook(await ready, event);
}
