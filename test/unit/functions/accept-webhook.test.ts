/**
 * The one acceptance path on its own: every refusal with its status and reason, in the order the
 * checks run (nothing is parsed before the signature holds), and intake's outcome as the verdict.
 */
import { sign } from '@octokit/webhooks-methods';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TaskStore } from '../../../core/store/task-store.js';
import {
  MAX_BODY_BYTES,
  acceptWebhook,
  type WebhookRequest,
} from '../../../functions/webhook/accept-webhook.js';

const SECRET = 'unit-secret';
const log = pino({ level: 'silent' });
const noDispatch = { send: async () => undefined };

/** Intake on a store that must not be reached, or that fails when it is. */
function deps(store: Partial<TaskStore> = {}) {
  return {
    secret: SECRET,
    intake: { store: store as TaskStore, dispatcher: noDispatch, appId: 1, label: 'agent', log },
  };
}

async function request(
  body: string | Buffer,
  headers: Record<string, string | undefined> = {},
): Promise<WebhookRequest> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    headers: {
      'x-github-event': 'ping',
      'x-github-delivery': 'delivery-1',
      'x-hub-signature-256': await sign(SECRET, bytes.toString('utf8')),
      ...headers,
    },
    body: bytes,
  };
}

describe('acceptWebhook', () => {
  it('a signed delivery that is no trigger is accepted with a 200 and the reason', async () => {
    const verdict = await acceptWebhook(deps(), await request('{"zen":"Keep it simple."}'));
    expect(verdict).toEqual({
      accepted: true,
      status: 200,
      outcome: { status: 'ignored', reason: expect.any(String) },
    });
  });

  it('refuses, in order: size, UTF-8, signature, headers, JSON', async () => {
    const cases: Array<[WebhookRequest, number, RegExp]> = [
      [{ headers: {}, body: new Uint8Array(MAX_BODY_BYTES + 1) }, 413, /too large.*25 MB/],
      [{ ...(await request('{}')), body: Buffer.from([0x7b, 0xff, 0x7d]) }, 400, /not UTF-8/],
      [await request('{}', { 'x-hub-signature-256': undefined }), 401, /signature/],
      [await request('{}', { 'x-hub-signature-256': await sign('other', '{}') }), 401, /signature/],
      [await request('not json', { 'x-hub-signature-256': 'sha256=00' }), 401, /signature/],
      [await request('{}', { 'x-github-delivery': undefined }), 400, /x-github-delivery/],
      [await request('not json'), 400, /not JSON/],
      [await request('42'), 400, /not a JSON object/],
    ];
    for (const [req, status, reason] of cases) {
      const verdict = await acceptWebhook(deps(), req);
      expect(verdict.accepted).toBe(false);
      expect(verdict.status).toBe(status);
      if (!verdict.accepted) expect(verdict.error).toMatch(reason);
    }
  });

  it('intake that throws is a 500 GitHub can redeliver', async () => {
    const failing = deps({
      repoLabel: async () => {
        throw new Error('store down');
      },
    });
    const payload = JSON.stringify({
      action: 'labeled',
      label: { name: 'documentation' },
      issue: { number: 1, state: 'open', user: { login: 'bob' }, title: 't', body: '' },
      repository: { full_name: 'acme/calc' },
      installation: { id: 1 },
      sender: { login: 'alice', type: 'User' },
    });
    const verdict = await acceptWebhook(failing, await request(payload, { 'x-github-event': 'issues' }));
    expect(verdict).toEqual({
      accepted: false,
      status: 500,
      error: 'intake failed; GitHub can redeliver this webhook',
    });
  });
});
