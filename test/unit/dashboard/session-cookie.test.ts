/** The dashboard's cookies: what a changed, foreign, expired or misused value gets (nothing). */
import { describe, expect, it } from 'vitest';
import { SessionCookies, sameText } from '../../../functions/dashboard/session-cookie.js';

const KEY = 'k'.repeat(40);
const NOW = Date.parse('2030-01-01T00:00:00Z');
const session = { login: 'alice', userId: 7, token: 'ghu_secret_user_token', expiresAt: NOW + 60_000 };

/** The value with one character of part `index` changed. */
function flipped(value: string, index: number): string {
  const parts = value.split('.');
  const part = parts[index]!;
  parts[index] = `${part.slice(0, 5)}${part[5] === 'A' ? 'B' : 'A'}${part.slice(6)}`;
  return parts.join('.');
}

describe('SessionCookies', () => {
  const cookies = new SessionCookies(KEY);

  it('opens what it sealed, before it expires; the token is not readable in the value', () => {
    const value = cookies.seal(session);
    expect(cookies.open(value, NOW)).toEqual(session);
    expect(value).not.toContain('ghu_');
    expect(Buffer.from(value.split('.')[1]!, 'base64url').toString('latin1')).not.toContain('ghu_');
    expect(cookies.open(value, session.expiresAt)).toBeUndefined();
  });

  it('refuses a value with any part changed, signed with another key, or cut short', () => {
    const value = cookies.seal(session);
    for (const index of [0, 1, 2])
      expect(cookies.open(flipped(value, index), NOW), `part ${index}`).toBeUndefined();
    expect(new SessionCookies('z'.repeat(40)).open(value, NOW)).toBeUndefined();
    expect(cookies.open(value.split('.').slice(0, 2).join('.'), NOW)).toBeUndefined();
    for (const junk of [undefined, '', '.', 'a.b.c', `${value}.x`])
      expect(cookies.open(junk, NOW)).toBeUndefined();
  });

  it('never takes a state cookie for a session or the other way round', () => {
    const state = cookies.signState({ state: 's', next: '/status', expiresAt: NOW + 60_000 });
    expect(cookies.open(state, NOW)).toBeUndefined();
    expect(cookies.openState(cookies.seal(session), NOW)).toBeUndefined();
    expect(cookies.openState(state, NOW)).toEqual({ state: 's', next: '/status', expiresAt: NOW + 60_000 });
    expect(cookies.openState(state, NOW + 60_000)).toBeUndefined();
    expect(cookies.openState(flipped(state, 0), NOW)).toBeUndefined();
  });

  it('wants a key of at least 32 characters', () => {
    expect(() => new SessionCookies('short')).toThrow(/at least 32/);
  });

  it('compares text in constant time, by value', () => {
    expect(sameText('abc', 'abc')).toBe(true);
    expect(sameText('abc', 'abd')).toBe(false);
    expect(sameText('abc', 'abcd')).toBe(false);
  });
});
