/** The fake GitHub's OAuth web flow and user-token routes behave as GitHub's do where it matters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from './fake-github/index.js';
import { FAKE_GITHUB_USER_COOKIE } from './fake-github/oauth.js';

let fake: FakeGitHub;
const CALLBACK = 'https://dashboard.example/login/callback';

beforeAll(async () => {
  fake = await startFakeGitHub();
  await fake.addRepo({ owner: 'acme', name: 'open' });
  const closed = await fake.addRepo({ owner: 'acme', name: 'closed', private: true });
  fake.setPermission(closed, 'alice', 'read');
});
afterAll(() => fake.close());

/** The authorize step as alice's browser makes it: the code GitHub redirects back with. */
async function code(login = 'alice', redirect = CALLBACK): Promise<string> {
  const url = `${fake.url}/login/oauth/authorize?client_id=${fake.oauth.clientId}&redirect_uri=${encodeURIComponent(redirect)}&state=s1`;
  const response = await fetch(url, {
    redirect: 'manual',
    headers: { cookie: `${FAKE_GITHUB_USER_COOKIE}=${login}` },
  });
  expect(response.status).toBe(302);
  const back = new URL(response.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
  expect(back.searchParams.get('state')).toBe('s1');
  return back.searchParams.get('code')!;
}

const exchange = async (fields: Record<string, string>) =>
  (await (
    await fetch(`${fake.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(fields),
    })
  ).json()) as Record<string, unknown>;

const credentials = () => ({ client_id: fake.oauth.clientId, client_secret: fake.oauth.clientSecret });

describe('fake GitHub OAuth', () => {
  it('exchanges a code once, for an expiring ghu_ token', async () => {
    const c = await code();
    const answer = await exchange({ ...credentials(), code: c, redirect_uri: CALLBACK });
    expect(answer).toMatchObject({ token_type: 'bearer', expires_in: 28800 });
    expect(String(answer.access_token)).toMatch(/^ghu_/);
    expect(await exchange({ ...credentials(), code: c, redirect_uri: CALLBACK })).toMatchObject({
      error: 'bad_verification_code',
    });
  });

  it('refuses a wrong client secret and another redirect_uri', async () => {
    expect(await exchange({ ...credentials(), client_secret: 'nope', code: await code() })).toMatchObject({
      error: 'incorrect_client_credentials',
    });
    expect(
      await exchange({ ...credentials(), code: await code(), redirect_uri: 'https://evil.example/cb' }),
    ).toMatchObject({ error: 'redirect_uri_mismatch' });
  });

  it('an unknown client or nobody signed in gets no code', async () => {
    const unknown = await fetch(`${fake.url}/login/oauth/authorize?client_id=Iv1.other`, {
      redirect: 'manual',
    });
    expect(unknown.status).toBe(404);
    const anonymous = await fetch(`${fake.url}/login/oauth/authorize?client_id=${fake.oauth.clientId}`, {
      redirect: 'manual',
    });
    expect(anonymous.status).toBe(200);
  });

  it('a user token reads /user and the installations’ repositories that user can read', async () => {
    const token = String(
      (await exchange({ ...credentials(), code: await code(), redirect_uri: CALLBACK })).access_token,
    );
    const get = async (path: string) =>
      fetch(`${fake.url}${path}`, { headers: { authorization: `token ${token}` } });
    expect(((await (await get('/user')).json()) as { login: string }).login).toBe('alice');
    const { installations } = (await (await get('/user/installations')).json()) as {
      installations: Array<{ id: number }>;
    };
    expect(installations).toHaveLength(1);
    const { repositories } = (await (
      await get(`/user/installations/${installations[0]!.id}/repositories`)
    ).json()) as {
      repositories: Array<{ full_name: string }>;
    };
    expect(repositories.map((r) => r.full_name)).toEqual(['acme/open', 'acme/closed']);

    const bobToken = String(
      (await exchange({ ...credentials(), code: await code('bob'), redirect_uri: CALLBACK })).access_token,
    );
    const asBob = await fetch(`${fake.url}/user/installations/${installations[0]!.id}/repositories`, {
      headers: { authorization: `token ${bobToken}` },
    });
    expect(
      ((await asBob.json()) as { repositories: Array<{ full_name: string }> }).repositories.map(
        (r) => r.full_name,
      ),
    ).toEqual(['acme/open']);

    fake.oauth.revoke(token);
    expect((await get('/user')).status).toBe(401);
  });
});
