/** Where sign-in sends the browser: GitHub's own authorize page, on GitHub Enterprise Server too. */
import { describe, expect, it } from 'vitest';
import { githubSignIn } from '../../../functions/dashboard/github-sign-in.js';

const client = { clientId: 'Iv23liabc', clientSecret: 'not-used-here' };

describe('githubSignIn.authorizationUrl', () => {
  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com'],
    ['https://api.octo.ghe.com', 'https://octo.ghe.com'],
  ])('API %s → %s/login/oauth/authorize with the client id, callback and state', (api, web) => {
    const url = new URL(
      githubSignIn(client, api).authorizationUrl('st4te', 'https://dash.example/login/callback'),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${web}/login/oauth/authorize`);
    expect(url.searchParams.get('client_id')).toBe('Iv23liabc');
    expect(url.searchParams.get('redirect_uri')).toBe('https://dash.example/login/callback');
    expect(url.searchParams.get('state')).toBe('st4te');
    expect(url.searchParams.has('client_secret')).toBe(false);
  });
});
