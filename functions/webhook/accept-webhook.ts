/**
 * The one webhook acceptance path: headers and raw bytes in, a verdict out. Both doors call it, the
 * Lambda Function URL (`handle-webhook.ts`) and `npm start`'s server (`node-webhooks.ts`); they
 * only translate their request into bytes and the verdict into their answer.
 *
 * In order, before anything is parsed: the size (GitHub caps payloads at 25 MB), the bytes as
 * UTF-8 (what GitHub sends, so the text verified is exactly the bytes it signed), the signature
 * (`x-hub-signature-256`, checked by `@octokit/webhooks-methods`; a missing, wrong or SHA-1-only
 * one is a 401). Then the event and delivery headers and the JSON, and intake, whose outcome is
 * the verdict. No GitHub API call happens before the answer; dispatch does the slow work after it.
 */
import { verify } from '@octokit/webhooks-methods';
import { intake, type IntakeDeps, type IntakeOutcome } from '../intake.js';

/** GitHub caps payloads at 25 MB; anything larger is not from GitHub. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface WebhookRequest {
  /** Header names in lower case, as Node gives them. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Uint8Array;
}

export type WebhookVerdict =
  | { accepted: true; status: 200 | 202; outcome: IntakeOutcome }
  | { accepted: false; status: number; error: string; headers?: Record<string, string> };

export interface AcceptDeps {
  secret: string;
  intake: IntakeDeps;
}

/** The refusal for a body over the cap, also given early by a door that reads a stream. */
export const TOO_LARGE: WebhookVerdict = refusal(413, 'payload too large (GitHub sends at most 25 MB)');

export function refusal(status: number, error: string, headers?: Record<string, string>): WebhookVerdict {
  return { accepted: false, status, error, ...(headers ? { headers } : {}) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export async function acceptWebhook(deps: AcceptDeps, request: WebhookRequest): Promise<WebhookVerdict> {
  if (request.body.byteLength > MAX_BODY_BYTES) return TOO_LARGE;
  let body: string;
  try {
    body = utf8.decode(request.body);
  } catch {
    return refusal(400, 'body is not UTF-8');
  }
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const signature = header('x-hub-signature-256');
  if (!signature || !(await verify(deps.secret, body, signature).catch(() => false))) {
    return refusal(401, 'signature missing or wrong (x-hub-signature-256)');
  }
  const name = header('x-github-event');
  const id = header('x-github-delivery');
  if (!name || !id) return refusal(400, 'missing x-github-event or x-github-delivery header');
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return refusal(400, 'body is not JSON');
  }
  if (typeof payload !== 'object' || payload === null) return refusal(400, 'body is not a JSON object');

  let outcome: IntakeOutcome;
  try {
    outcome = await intake(deps.intake, { id, name, payload });
  } catch (error) {
    deps.intake.log.error({ err: error, deliveryId: id }, 'intake failed');
    return refusal(500, 'intake failed; GitHub can redeliver this webhook');
  }
  const status = outcome.status === 'created' || outcome.status === 'control' ? 202 : 200;
  return { accepted: true, status, outcome };
}
