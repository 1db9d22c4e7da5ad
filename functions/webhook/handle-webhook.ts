/**
 * The Lambda Function URL's door to `acceptWebhook`: the event's body as the bytes GitHub sent (a
 * Function URL hands a binary body over as base64), the verdict as the answer: 202 when a task was
 * created or cancelled, 200 for any other delivery taken, the refusal's status with its reason.
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { acceptWebhook, type AcceptDeps } from './accept-webhook.js';

export type WebhookDeps = AcceptDeps;

export async function handleWebhook(
  deps: WebhookDeps,
  event: LambdaFunctionURLEvent,
): Promise<LambdaFunctionURLResult> {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const raw = event.body ?? '';
  const body = Buffer.from(raw, event.isBase64Encoded ? 'base64' : 'utf8');
  const verdict = await acceptWebhook(deps, { headers, body });
  return {
    statusCode: verdict.status,
    headers: { 'content-type': 'application/json', ...(verdict.accepted ? {} : verdict.headers) },
    body: JSON.stringify(verdict.accepted ? verdict.outcome : { error: verdict.error }),
  };
}
