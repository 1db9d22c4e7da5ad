/**
 * What an error of the Messages API means for the agent loop. The SDK itself retries 408, 409,
 * 429, 5xx (529 "overloaded" included) and connection errors before the response starts, with
 * backoff and honouring `retry-after(-ms)`; what reaches us has run out of those retries, or is
 * one the SDK does not retry (a stream broken off midway, or a 4xx).
 */
import { AnthropicError, APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { Middleware } from '@anthropic-ai/sdk';

export type ModelErrorKind =
  /** The prompt no longer fits the context window: free context and try again. */
  | 'context'
  /** Broke off mid-stream (connection reset, an SSE `error` event): worth another try. */
  | 'transient'
  /** Our own abort (cancel, time limit). */
  | 'aborted'
  /** Retrying will not help: credentials, permissions, spend limit, a bad request, retries exhausted. */
  | 'fatal';

export interface ModelErrorInfo {
  kind: ModelErrorKind;
  message: string;
}

/** Error codes of a 429 that waiting will not cure. */
const SPEND_LIMIT_CODES = new Set(['contract_spend_limit_reached', 'enforced_spend_limit_reached']);
const SPEND_LIMIT_MESSAGE =
  /spend(ing)? limit|usage limit|credit balance|billing|quota|monthly (api )?(usage|spend)|will regain access/i;
const PROMPT_TOO_LONG =
  /prompt is too long|context (window|length)|too many (input )?tokens|exceeds? the (maximum|context)/i;

/** Whether a 429 says the organisation's spend or usage limit is reached (rather than "slow down"). */
export function isSpendLimit(body: unknown): boolean {
  const error = (body as { error?: { message?: unknown; details?: { error_code?: unknown } } } | null)?.error;
  if (!error) return false;
  const code = error.details?.error_code;
  if (typeof code === 'string' && SPEND_LIMIT_CODES.has(code)) return true;
  return typeof error.message === 'string' && SPEND_LIMIT_MESSAGE.test(error.message);
}

/**
 * Per-request middleware: a 429 that reports a spend limit is marked `x-should-retry: false`, so
 * the SDK hands it to us at once instead of retrying it with backoff.
 */
export const failFastOnSpendLimit: Middleware = async (request, next) => {
  const response = await next(request);
  if (response.status !== 429) return response;
  const text = await response
    .clone()
    .text()
    .catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return response;
  }
  if (!isSpendLimit(body)) return response;
  const headers = new Headers(response.headers);
  headers.set('x-should-retry', 'false');
  return new Response(text, { status: response.status, statusText: response.statusText, headers });
};

export function classifyModelError(error: unknown): ModelErrorInfo {
  if (error instanceof APIUserAbortError) return { kind: 'aborted', message: 'request aborted' };
  if (error instanceof APIConnectionError) {
    return { kind: 'transient', message: `cannot reach the model API: ${causeOf(error)}` };
  }
  if (error instanceof APIError) {
    const detail = error.apiMessage ?? error.message;
    const status = error.status;
    if (status === undefined) {
      // An `error` event inside a stream that had started (overloaded, api_error).
      return { kind: 'transient', message: `the model API broke off the reply: ${detail}` };
    }
    if (status === 401)
      return { kind: 'fatal', message: `the model API rejected the API key (401): ${detail}` };
    if (status === 403) return { kind: 'fatal', message: `the model API denied access (403): ${detail}` };
    if (status === 413) return { kind: 'context', message: `the request is too large (413): ${detail}` };
    if (status === 400 && PROMPT_TOO_LONG.test(detail)) return { kind: 'context', message: detail };
    if (status === 429 && isSpendLimit(error.error)) {
      return { kind: 'fatal', message: `the model API spend limit is reached (429): ${detail}` };
    }
    if (status === 429 || status >= 500) {
      return { kind: 'fatal', message: `the model API is unavailable (${status}) after retries: ${detail}` };
    }
    return { kind: 'fatal', message: `the model API refused the request (${status}): ${detail}` };
  }
  if (error instanceof AnthropicError) {
    // The SDK wraps a body that stopped arriving (socket reset mid-stream) in a plain AnthropicError.
    return { kind: 'transient', message: `the model's reply broke off: ${causeOf(error)}` };
  }
  return { kind: 'fatal', message: error instanceof Error ? error.message : String(error) };
}

function causeOf(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message && cause.message !== error.message
    ? `${error.message} (${cause.message})`
    : error.message;
}
