import {
  AnthropicError,
  APIConnectionError,
  APIError,
  APIUserAbortError,
  type MiddlewareContext,
} from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import {
  classifyModelError,
  failFastOnSpendLimit,
  isSpendLimit,
} from '../../../../agent-task/agent/anthropic/model-errors.js';

function apiError(
  status: number,
  message: string,
  type = 'invalid_request_error',
  details?: object,
): APIError {
  return APIError.generate(
    status,
    { type: 'error', error: { type, message, ...(details ? { details } : {}) } },
    undefined,
    new Headers(),
  );
}

describe('isSpendLimit', () => {
  it.each([
    ['You have reached your specified API usage limits. You will regain access on 2026-12-01.', true],
    ['Your credit balance is too low to access the Anthropic API.', true],
    ['This request would exceed your organization spend limit.', true],
    ['Number of request tokens has exceeded your per-minute rate limit', false],
    ['Overloaded', false],
  ])('%s → %s', (message, expected) => {
    expect(isSpendLimit({ type: 'error', error: { type: 'rate_limit_error', message } })).toBe(expected);
  });

  it('recognises the error codes', () => {
    const body = (code: string) => ({
      error: { type: 'rate_limit_error', message: 'x', details: { error_code: code } },
    });
    expect(isSpendLimit(body('enforced_spend_limit_reached'))).toBe(true);
    expect(isSpendLimit(body('contract_spend_limit_reached'))).toBe(true);
    expect(isSpendLimit(body('ramp_limit_exceeded'))).toBe(false);
    expect(isSpendLimit(null)).toBe(false);
  });
});

describe('failFastOnSpendLimit', () => {
  const ctx = {} as MiddlewareContext;
  const request = new Request('http://127.0.0.1/v1/messages', { method: 'POST' });
  const respond = (status: number, message: string) => async () =>
    new Response(JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message } }), {
      status,
      headers: { 'retry-after-ms': '1' },
    });

  it('marks a spend-limit 429 as not to be retried, keeping its body', async () => {
    const response = await failFastOnSpendLimit(
      request,
      respond(429, 'You have reached your specified API usage limits.'),
      ctx,
    );
    expect(response.status).toBe(429);
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(response.headers.get('retry-after-ms')).toBe('1');
    expect(await response.json()).toMatchObject({
      error: { message: 'You have reached your specified API usage limits.' },
    });
  });

  it('leaves a per-minute 429 and other responses alone', async () => {
    const rateLimited = await failFastOnSpendLimit(request, respond(429, 'per-minute rate limit'), ctx);
    expect(rateLimited.headers.get('x-should-retry')).toBeNull();
    const overloaded = await failFastOnSpendLimit(request, respond(529, 'Overloaded'), ctx);
    expect(overloaded.headers.get('x-should-retry')).toBeNull();
  });
});

describe('classifyModelError', () => {
  it.each([
    [apiError(400, 'prompt is too long: 210000 tokens > 200000 maximum'), 'context'],
    [apiError(413, 'Request exceeds the maximum size', 'request_too_large'), 'context'],
    [apiError(400, 'messages.1: tool_use ids were found without tool_result blocks'), 'fatal'],
    [apiError(401, 'invalid x-api-key', 'authentication_error'), 'fatal'],
    [apiError(403, 'no access', 'permission_error'), 'fatal'],
    [apiError(429, 'usage limits reached; you will regain access on', 'rate_limit_error'), 'fatal'],
    [apiError(429, 'x', 'rate_limit_error', { error_code: 'enforced_spend_limit_reached' }), 'fatal'],
    [apiError(529, 'Overloaded', 'overloaded_error'), 'fatal'],
    [
      new APIError(
        undefined,
        { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
        undefined,
        undefined,
      ),
      'transient',
    ],
    [new APIConnectionError({ message: 'Connection error.' }), 'transient'],
    [new AnthropicError('terminated'), 'transient'],
    [new APIUserAbortError(), 'aborted'],
    [new TypeError('x is not a function'), 'fatal'],
  ] as const)('%s → %s', (error, kind) => {
    expect(classifyModelError(error).kind).toBe(kind);
  });

  it('says what to do about the fatal ones', () => {
    expect(classifyModelError(apiError(401, 'invalid x-api-key')).message).toMatch(
      /API key \(401\): invalid x-api-key/,
    );
    expect(
      classifyModelError(apiError(429, 'You have reached your specified API usage limits.')).message,
    ).toMatch(/spend limit is reached \(429\)/);
    expect(classifyModelError(apiError(529, 'Overloaded')).message).toMatch(
      /unavailable \(529\) after retries/,
    );
  });
});
