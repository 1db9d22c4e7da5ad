/**
 * Lambda entry for the webhook Function URL: wiring only. Dependencies are built once per cold
 * start, outside the per-invocation handler.
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { dispatchFunction, lambdaContext, once } from '../lambda-context.js';
import { handleWebhook, type WebhookDeps } from './handle-webhook.js';

const ready = once(async (): Promise<WebhookDeps> => {
  const { env, log, store } = await lambdaContext();
  return {
    secret: env.WEBHOOK_SECRET,
    intake: { store, dispatcher: dispatchFunction(), appId: env.APP_ID, label: env.NIGHTSHIFT_LABEL, log },
  };
});

export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  return handleWebhook(await ready(), event);
}
