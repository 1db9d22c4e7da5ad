import { describe, expect, it } from 'vitest';
import { createIdGenerator, idTime } from '../../../core/store/ids.js';

describe('task ids', () => {
  it('are 26 characters of Crockford base32 carrying their time', () => {
    const at = new Date('2030-05-06T07:08:09.123Z');
    const id = createIdGenerator({ now: () => at })();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(idTime(id)).toEqual(at);
  });

  it('sort by time, and in creation order within one millisecond', () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const next = createIdGenerator({ now: () => new Date(now) });
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      ids.push(next());
      if (i % 50 === 49) now += 1;
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keep increasing when the clock steps back', () => {
    let now = Date.parse('2030-01-01T00:00:01.000Z');
    const next = createIdGenerator({ now: () => new Date(now) });
    const a = next();
    now -= 500;
    const b = next();
    expect(b > a).toBe(true);
  });

  it('count up from the random part within a millisecond', () => {
    const next = createIdGenerator({ now: () => new Date(0), randomBytes: () => new Uint8Array(10) });
    expect(next()).toBe('00000000000000000000000000');
    expect(next()).toBe('00000000000000000000000001');
  });

  it('differ between generators', () => {
    const at = () => new Date(0);
    expect(createIdGenerator({ now: at })()).not.toBe(createIdGenerator({ now: at })());
  });
});
