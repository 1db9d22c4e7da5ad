import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, RetriesExhaustedError, backoffDelay, retrying } from '../../../core/store/retry.js';

describe('retrying', () => {
  it('waits a jittered, growing, capped pause', () => {
    expect(backoffDelay(1, { random: () => 0.999, baseDelayMs: 10, maxDelayMs: 1000 })).toBe(19);
    expect(backoffDelay(3, { random: () => 0.5, baseDelayMs: 10, maxDelayMs: 1000 })).toBe(40);
    expect(backoffDelay(20, { random: () => 0.999, baseDelayMs: 10, maxDelayMs: 1000 })).toBe(999);
    expect(backoffDelay(2, { random: () => 0 })).toBe(0);
  });

  it('returns the first definite answer', async () => {
    const pauses: number[] = [];
    const value = await retrying(
      'op',
      async (n) => (n < 3 ? { retry: true } : { retry: false, value: `after ${n}` }),
      { sleep: async (ms) => void pauses.push(ms), random: () => 0.5 },
    );
    expect(value).toBe('after 3');
    expect(pauses).toEqual([10, 20, 40]);
  });

  it('retries the errors it is told to, and throws the others at once', async () => {
    let calls = 0;
    const conflict = Object.assign(new Error('conflict'), { name: 'TransactionConflictException' });
    const value = await retrying(
      'op',
      async () => {
        calls++;
        if (calls < 3) throw conflict;
        return { retry: false, value: 'ok' };
      },
      { sleep: async () => {}, isRetryable: (error) => error === conflict },
    );
    expect(value).toBe('ok');
    await expect(
      retrying('op', async () => Promise.reject(new Error('other')), { sleep: async () => {} }),
    ).rejects.toThrow('other');
  });

  it('gives up after its attempts, keeping the last cause', async () => {
    let calls = 0;
    const attempt = retrying(
      'createFromDelivery d1',
      async () => {
        calls++;
        return { retry: true, cause: `cause ${calls}` };
      },
      { attempts: 4, sleep: async () => {} },
    );
    await expect(attempt).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(attempt).rejects.toMatchObject({ attempts: 4, cause: 'cause 4' });
    expect(calls).toBe(4);
    expect(DEFAULT_RETRY.attempts).toBeGreaterThan(1);
  });
});
