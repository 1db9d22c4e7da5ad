/**
 * Lambda entry for the webhook Function URL: wiring only. Dependencies are built once per cold
 * start, outside the per-invocation handler, so a reused container does not register twice.
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { nightshiftApp } from '../app.js';
import type { IntakeOutcome } from '../intake.js';
import { dispatchFunction, lambdaContext, once } from '../lambda-context.js';
import { handleWebhook, type WebhookDeps } from './handle-webhook.js';

const ready = once(async (): Promise<WebhookDeps> => {
  const { env, log, probot, store } = await lambdaContext();
  const outcomes = new Map<string, IntakeOutcome>();
  await probot.load(
    nightshiftApp({
      store,
      dispatcher: dispatchFunction(),
      appId: env.APP_ID,
      label: env.NIGHTSHIFT_LABEL,
      log,
      outcomes,
    }),
  );
  return { probot, outcomes };
});

export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  return handleWebhook(await ready(), event);
}
