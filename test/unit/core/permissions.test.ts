import { describe, expect, it } from 'vitest';
import { mayTrigger, refusalMessage } from '../../../core/permissions.js';

describe('mayTrigger', () => {
  it.each([
    [{ permission: 'admin', role_name: 'admin' }],
    [{ permission: 'write', role_name: 'maintain' }],
    [{ permission: 'write', role_name: 'write' }],
  ])('allows %o', (access) => {
    expect(mayTrigger(access, 'octocat', [])).toMatchObject({ allowed: true });
  });

  it.each([
    [{ permission: 'read', role_name: 'triage' }],
    [{ permission: 'read', role_name: 'read' }],
    [{ permission: 'none', role_name: 'none' }],
    [{ permission: 'none' }],
    [{}],
  ])('refuses %o', (access) => {
    const decision = mayTrigger(access, 'octocat', []);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(/octocat has (only \w+|no) access/);
  });

  it('trusts role_name over the folded permission', () => {
    expect(mayTrigger({ permission: 'read', role_name: 'triage' }, 'x', []).reason).toContain('only triage');
    expect(mayTrigger({ permission: 'write', role_name: 'maintain' }, 'x', []).reason).toContain(
      'maintain role',
    );
  });

  it('judges a custom role by the permission it inherits', () => {
    expect(mayTrigger({ permission: 'write', role_name: 'release-manager' }, 'x', []).allowed).toBe(true);
    expect(mayTrigger({ permission: 'read', role_name: 'auditor' }, 'x', []).allowed).toBe(false);
  });

  it('falls back to permission when role_name is absent', () => {
    expect(mayTrigger({ permission: 'write' }, 'x', []).allowed).toBe(true);
    expect(mayTrigger({ permission: 'read', role_name: null }, 'x', []).allowed).toBe(false);
  });

  it('allows a listed user whatever their access, matching the login case-insensitively', () => {
    expect(mayTrigger({ permission: 'read', role_name: 'triage' }, 'Mona', ['octocat', 'mona'])).toEqual({
      allowed: true,
      reason: 'Mona is listed in allowedUsers',
    });
    expect(mayTrigger({ permission: 'none' }, 'OCTOCAT', ['octocat']).allowed).toBe(true);
  });

  it('never allows a bot', () => {
    expect(
      mayTrigger({ permission: 'admin', role_name: 'admin' }, 'renovate[bot]', ['renovate[bot]']).allowed,
    ).toBe(false);
  });
});

describe('refusalMessage', () => {
  it('thanks the person, explains, and says how a maintainer can allow them', () => {
    expect(refusalMessage('x')).toBe(
      '@x, thanks — Nightshift only takes work from people with write access to this repository. ' +
        'A maintainer can add you to `allowedUsers` in `.github/nightshift.yml`.',
    );
    expect(refusalMessage('mona', 'the `/agent fix` request')).toMatch(
      /^@mona, thanks for the `\/agent fix` request — Nightshift only takes work/,
    );
  });
});
