/**
 * The agent's token source over a minter port: renewal five minutes before expiry, `refused`, the
 * tokens it knows for redaction, the app slug that comes with a token, and the minters' mapping of
 * the control plane's answers to errors.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TokenAnswer, TokenIpcAnswer, TokenIpcRequest } from '../../../core/task-token.js';
import {
  InstallationGoneError,
  TokenRefusedError,
  TokenSource,
  type MintedToken,
} from '../../../agent-task/github-access.js';
import { ipcMinter, lambdaMinter, tokenFromAnswer } from '../../../agent-task/token-minters.js';

const MINUTE = 60_000;

function source(answers: Array<() => MintedToken>) {
  let now = Date.parse('2025-01-01T00:00:00Z');
  const calls: number[] = [];
  const tokens = new TokenSource({
    repositoryName: 'calc',
    now: () => now,
    minter: {
      async mint() {
        calls.push(now);
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        return next();
      },
    },
  });
  return {
    tokens,
    calls,
    advance: (ms: number) => (now += ms),
    at: (ms: number) => new Date(now + ms).toISOString(),
  };
}

describe('TokenSource', () => {
  it('keeps a token until five minutes before it expires, then asks for a new one', async () => {
    const s = source([
      () => ({ token: 'ghs_one', expiresAt: s.at(60 * MINUTE), appSlug: 'nightshift-test' }),
      () => ({ token: 'ghs_two', expiresAt: s.at(60 * MINUTE) }),
    ]);
    expect(await s.tokens.token()).toBe('ghs_one');
    s.advance(54 * MINUTE);
    expect(await s.tokens.token()).toBe('ghs_one');
    s.advance(2 * MINUTE);
    expect(await s.tokens.token()).toBe('ghs_two');
    expect(s.calls).toHaveLength(2);
    expect(s.tokens.knownTokens()).toEqual(['ghs_one', 'ghs_two']);
    // The slug came with the first token; a later answer without one keeps it.
    expect(await s.tokens.appSlug()).toBe('nightshift-test');
  });

  it('asks once for concurrent callers, and again after a refused token', async () => {
    const s = source([
      () => ({ token: 'ghs_a', expiresAt: s.at(60 * MINUTE), appSlug: 'ns' }),
      () => ({ token: 'ghs_b', expiresAt: s.at(60 * MINUTE) }),
    ]);
    const [a, b] = await Promise.all([s.tokens.token(), s.tokens.token()]);
    expect([a, b]).toEqual(['ghs_a', 'ghs_a']);
    expect(s.calls).toHaveLength(1);
    s.tokens.refused('ghs_other');
    expect(await s.tokens.token()).toBe('ghs_a');
    s.tokens.refused('ghs_a');
    expect(await s.tokens.token()).toBe('ghs_b');
    expect(s.calls).toHaveLength(2);
  });

  it('gets the app slug from the first token when asked before any token', async () => {
    const s = source([() => ({ token: 'ghs_a', expiresAt: s.at(60 * MINUTE), appSlug: 'my-app' })]);
    expect(await s.tokens.appSlug()).toBe('my-app');
    expect(await s.tokens.token()).toBe('ghs_a');
    expect(s.calls).toHaveLength(1);
  });

  it('passes the minter’s InstallationGoneError through, and refuses an unusable answer', async () => {
    const gone = source([
      () => {
        throw new InstallationGoneError('uninstalled');
      },
    ]);
    await expect(gone.tokens.token()).rejects.toBeInstanceOf(InstallationGoneError);
    const broken = source([() => ({ token: '', expiresAt: 'soon' })]);
    await expect(broken.tokens.token()).rejects.toThrow(/no usable token/);
  });
});

describe('the control plane’s answers', () => {
  it('map to a token, InstallationGoneError, TokenRefusedError or a plain failure', () => {
    const ok: TokenAnswer = { ok: true, token: 'ghs_x', expiresAt: '2030-01-01T00:00:00Z', appSlug: 's' };
    expect(tokenFromAnswer(ok)).toEqual({ token: 'ghs_x', expiresAt: '2030-01-01T00:00:00Z', appSlug: 's' });
    expect(() => tokenFromAnswer({ ok: false, code: 'installation_gone', message: 'gone' })).toThrow(
      InstallationGoneError,
    );
    for (const code of ['unknown_task', 'not_running', 'bad_nonce'] as const) {
      expect(() => tokenFromAnswer({ ok: false, code, message: 'no' })).toThrow(TokenRefusedError);
    }
    expect(() => tokenFromAnswer({ ok: false, code: 'failed', message: 'boom' })).toThrow(/failed: boom/);
    expect(() => tokenFromAnswer(undefined)).toThrow(/no answer/);
  });

  it('lambdaMinter sends the task id and nonce and reads the answer', async () => {
    const lambda = mockClient(LambdaClient);
    const answer: TokenAnswer = { ok: true, token: 'ghs_l', expiresAt: '2030-01-01T00:00:00Z', appSlug: 's' };
    lambda.on(InvokeCommand).resolves({ Payload: Buffer.from(JSON.stringify(answer)) as never });
    const minter = lambdaMinter(new LambdaClient({ region: 'us-east-1' }), 'token-fn', {
      taskId: 't1',
      nonce: 'n1',
    });
    await expect(minter.mint()).resolves.toMatchObject({ token: 'ghs_l' });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input.FunctionName).toBe('token-fn');
    expect(JSON.parse(String(input.Payload))).toEqual({ taskId: 't1', nonce: 'n1' });

    lambda.on(InvokeCommand).resolves({
      FunctionError: 'Unhandled',
      Payload: Buffer.from('{"errorMessage":"boom"}') as never,
    });
    await expect(minter.mint()).rejects.toThrow(/token function failed/);
    lambda.restore();
  });

  it('ipcMinter matches answers to its requests and keeps the channel unreferenced between them', async () => {
    const port = new EventEmitter() as EventEmitter & { send: (m: TokenIpcRequest) => boolean };
    const refs: string[] = [];
    const sent: TokenIpcRequest[] = [];
    port.send = (message) => {
      sent.push(message);
      setImmediate(() => {
        // A stale answer to another id is ignored.
        port.emit('message', {
          type: 'token',
          id: message.id + 100,
          answer: { ok: false, code: 'failed', message: 'x' },
        });
        const reply: TokenIpcAnswer = {
          type: 'token',
          id: message.id,
          answer: { ok: true, token: `ghs_${message.id}`, expiresAt: '2030-01-01T00:00:00Z', appSlug: 's' },
        };
        port.emit('message', reply);
      });
      return true;
    };
    const minter = ipcMinter(
      Object.assign(port, { channel: { ref: () => refs.push('ref'), unref: () => refs.push('unref') } }),
    );
    await expect(minter.mint()).resolves.toMatchObject({ token: 'ghs_1' });
    await expect(minter.mint()).resolves.toMatchObject({ token: 'ghs_2' });
    expect(sent).toEqual([
      { type: 'token', id: 1 },
      { type: 'token', id: 2 },
    ]);
    expect(refs).toEqual(['unref', 'ref', 'unref', 'ref', 'unref']);
    expect(port.listenerCount('message')).toBe(0);
  });

  it('ipcMinter needs a channel', () => {
    expect(() => ipcMinter({ on: () => undefined, off: () => undefined })).toThrow(/no IPC channel/);
  });
});
