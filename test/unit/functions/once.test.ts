import { describe, expect, it } from 'vitest';
import { once } from '../../../functions/once.js';

describe('once', () => {
  it('builds once for warm invocations, and retries a cold start that failed', async () => {
    let calls = 0;
    const ready = once(async () => {
      calls++;
      if (calls === 1) throw new Error('secrets not set yet');
      return { built: calls };
    });
    await expect(ready()).rejects.toThrow('secrets not set yet');
    await expect(ready()).resolves.toEqual({ built: 2 });
    await expect(ready()).resolves.toEqual({ built: 2 });
    expect(calls).toBe(2);
  });
});
