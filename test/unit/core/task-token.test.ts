/** The pure decision "may this caller have a token for this task?", with no mocks. */
import { describe, expect, it } from 'vitest';
import { hashTokenNonce, mayMintToken, newTokenNonce } from '../../../core/task-token.js';
import type { TaskStatus } from '../../../core/task.js';
import { task as fixture } from '../../support/task-fixture.js';

const { nonce, hash } = newTokenNonce();
const withStatus = (status: TaskStatus) => fixture({ id: 'T1', status, tokenNonceHash: hash });

describe('mayMintToken', () => {
  it('allows a dispatched or running task with its nonce, or asked on its own channel', () => {
    for (const status of ['dispatched', 'running'] as const) {
      expect(mayMintToken('T1', withStatus(status), { nonce })).toMatchObject({ allowed: true });
      expect(mayMintToken('T1', withStatus(status), 'channel')).toMatchObject({ allowed: true });
    }
  });

  it('refuses an unknown task, and a record that is not the one asked for', () => {
    expect(mayMintToken('T1', undefined, { nonce })).toMatchObject({ allowed: false, code: 'unknown_task' });
    expect(mayMintToken('T2', withStatus('running'), 'channel')).toMatchObject({ code: 'unknown_task' });
  });

  it('refuses a missing, wrong or hash-shaped nonce, and a task with no nonce recorded', () => {
    const running = withStatus('running');
    expect(mayMintToken('T1', running, { nonce: undefined })).toMatchObject({ code: 'bad_nonce' });
    expect(mayMintToken('T1', running, { nonce: `${nonce}x` })).toMatchObject({ code: 'bad_nonce' });
    // Knowing the stored hash is not enough: the hash of the hash does not match.
    expect(mayMintToken('T1', running, { nonce: hash })).toMatchObject({ code: 'bad_nonce' });
    const noHash = fixture({ id: 'T1', status: 'running' });
    expect(mayMintToken('T1', noHash, { nonce })).toMatchObject({ code: 'bad_nonce' });
  });

  it('refuses every status but dispatched and running, with the nonce or on the channel', () => {
    for (const status of ['queued', 'waiting', 'succeeded', 'failed', 'cancelled'] as const) {
      expect(mayMintToken('T1', withStatus(status), { nonce })).toMatchObject({ code: 'not_running' });
      expect(mayMintToken('T1', withStatus(status), 'channel')).toMatchObject({ code: 'not_running' });
    }
  });

  it('makes a new 256-bit nonce each time and stores its SHA-256', () => {
    const a = newTokenNonce();
    const b = newTokenNonce();
    expect(a.nonce).not.toBe(b.nonce);
    expect(Buffer.from(a.nonce, 'base64url')).toHaveLength(32);
    expect(a.hash).toBe(hashTokenNonce(a.nonce));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
