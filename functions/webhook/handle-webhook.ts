/**
 * The Function URL request, answered fast: verify the signature over the raw body before parsing
 * anything, then intake through Probot's `receive`. No GitHub API call happens before the answer;
 * dispatch does the slow work after it.
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import type { Probot } from 'probot';
import type { IntakeOutcome } from '../intake.js';

/** GitHub caps payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface WebhookDeps {
  probot: Probot;
  outcomes: Map<string, IntakeOutcome>;
}

function answer(statusCode: number, body: Record<string, unknown>): LambdaFunctionURLResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export async function handleWebhook(
  deps: WebhookDeps,
  event: LambdaFunctionURLEvent,
): Promise<LambdaFunctionURLResult> {
  const headers = lowerCaseKeys(event.headers ?? {});
  const raw = event.body ?? '';
  const size = event.isBase64Encoded ? Buffer.byteLength(raw, 'base64') : Buffer.byteLength(raw);
  if (size > MAX_BODY_BYTES) return answer(413, { error: 'payload too large (GitHub sends at most 25 MB)' });
  // The signature covers the bytes GitHub sent. A Function URL hands a binary body over as base64:
  // decode it, and accept only UTF-8 (what GitHub sends), so the text verified is exactly those bytes.
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  const body = bytes.toString('utf8');
  if (event.isBase64Encoded && !Buffer.from(body, 'utf8').equals(bytes)) {
    return answer(400, { error: 'body is not UTF-8' });
  }

  const signature = headers['x-hub-signature-256'];
  if (!signature || !(await verify(deps.probot, body, signature))) {
    return answer(401, { error: 'signature missing or wrong (x-hub-signature-256)' });
  }
  const name = headers['x-github-event'];
  const id = headers['x-github-delivery'];
  if (!name || !id) return answer(400, { error: 'missing x-github-event or x-github-delivery header' });
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return answer(400, { error: 'body is not JSON' });
  }
  if (typeof payload !== 'object' || payload === null)
    return answer(400, { error: 'body is not a JSON object' });

  try {
    // Probot's receive types the event by name; the payload was verified as GitHub's own.
    await deps.probot.receive({ id, name, payload } as Parameters<Probot['receive']>[0]);
  } catch (error) {
    deps.probot.log.error({ err: error, deliveryId: id }, 'intake failed');
    return answer(500, { error: 'intake failed; GitHub can redeliver this webhook' });
  }
  const outcome = deps.outcomes.get(id) ?? { status: 'ignored', reason: 'no handler' };
  deps.outcomes.delete(id);
  return answer(outcome.status === 'created' || outcome.status === 'control' ? 202 : 200, outcome);
}

async function verify(probot: Probot, body: string, signature: string): Promise<boolean> {
  try {
    return await probot.webhooks.verify(body, signature);
  } catch {
    return false;
  }
}

function lowerCaseKeys(headers: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
