/**
 * The status page on AWS, end to end: the dashboard Lambda's own handler (functions/dashboard/
 * handler.ts, its secrets as the environment gives them) served as a Function URL on loopback,
 * signing in through the fake GitHub's OAuth web flow, reading tasks from a real store, and asking
 * GitHub (with the person's user token) which repositories they can read.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Task } from '../../../core/task.js';
import { handler } from '../../../functions/dashboard/handler.js';
import { SESSION_COOKIE, SessionCookies, STATE_COOKIE } from '../../../functions/dashboard/session-cookie.js';
import { Browser } from '../../support/browser.js';
import { type TestStore, startTestStore } from '../../support/dynamo.js';
import { type FakeGitHub, startFakeGitHub } from '../../support/fake-github/index.js';
import { FAKE_GITHUB_USER_COOKIE } from '../../support/fake-github/oauth.js';
import { type ServedFunction, serveFunctionUrl } from '../../support/function-url-server.js';
import { newTask } from '../cli/seed.js';

const SESSION_KEY = 'a-session-key-for-tests-only-0123456789abcdef';

let github: FakeGitHub;
let t: TestStore;
let site: ServedFunction;
let visible: Task;
let hidden: Task;

beforeAll(async () => {
  github = await startFakeGitHub();
  const calc = await github.addRepo({ owner: 'acme', name: 'calc', private: true });
  const vault = await github.addRepo({ owner: 'acme', name: 'vault', private: true });
  github.setPermission(calc, 'alice', 'write');
  github.setPermission(vault, 'bob', 'read');
  t = await startTestStore();
  visible = await t.store.create(newTask({ repository: 'acme/calc', installationId: calc.installationId! }));
  hidden = await t.store.create(
    newTask({
      repository: 'acme/vault',
      installationId: vault.installationId!,
      trigger: { kind: 'issue_label', text: 'rotate the launch codes', sender: 'bob' },
      engineer: 'bob',
    }),
  );
  await t.store.appendLog(hidden.id, 'working', 'Reading the vault');
  site = await serveFunctionUrl(handler);
  for (const [name, value] of Object.entries({
    ...t.env,
    GITHUB_API_URL: github.url,
    DASHBOARD_OAUTH_CLIENT: JSON.stringify({
      clientId: github.oauth.clientId,
      clientSecret: github.oauth.clientSecret,
    }),
    DASHBOARD_SESSION_KEY: SESSION_KEY,
    NIGHTSHIFT_PUBLIC_URL: site.url,
    LOG_LEVEL: 'fatal',
  }))
    vi.stubEnv(name, value);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await site?.close();
  await t?.close();
  await github?.close();
});

/** A browser signed in at the fake GitHub as `login`, through the dashboard's sign-in. */
async function signedIn(login: string): Promise<Browser> {
  const browser = new Browser();
  browser.setCookie(github.url, FAKE_GITHUB_USER_COOKIE, login);
  const page = await browser.open(`${site.url}/status`);
  expect(page.status).toBe(200);
  return browser;
}

const exchanges = () => github.calls.filter((c) => c.path === '/login/oauth/access_token');

describe('signing in', () => {
  it('follows the OAuth web flow from the page to GitHub and back, and shows the store’s tasks', async () => {
    const browser = new Browser();
    browser.setCookie(github.url, FAKE_GITHUB_USER_COOKIE, 'alice');
    const page = await browser.open(`${site.url}/status/tasks/${visible.id}`);

    expect(browser.hops.map((h) => [new URL(h.url).pathname, h.status])).toEqual([
      [`/status/tasks/${visible.id}`, 302],
      ['/login', 302],
      ['/login/oauth/authorize', 302],
      ['/login/callback', 302],
      [`/status/tasks/${visible.id}`, 200],
    ]);
    const authorize = new URL(browser.hops[2]!.url);
    expect(authorize.origin).toBe(github.url);
    expect(authorize.searchParams.get('client_id')).toBe(github.oauth.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${site.url}/login/callback`);
    expect(authorize.searchParams.get('state')).toMatch(/^[\w-]{32}$/);

    const html = await page.text();
    expect(html).toContain(`Task ${visible.id}`);
    expect(html).toContain('acme/calc#12');
    expect(html).toContain('Signed in as <b>@alice</b> · <a href="/logout">Sign out</a>');

    const cookies = browser.cookies(site.url);
    expect(cookies.has(STATE_COOKIE)).toBe(false);
    const session = cookies.get(SESSION_COOKIE)!;
    // The user token travels encrypted: the cookie does not carry it in the clear.
    const token = [...github.oauth.userTokens.keys()].at(-1)!;
    expect(session).not.toContain(token);
    expect(Buffer.from(session.split('.')[0]!, 'base64url').toString()).not.toContain(token);

    // What alice can read was asked of GitHub with her own token.
    const asked = github.calls.filter((c) => c.path.startsWith('/user/installations'));
    expect(asked.length).toBeGreaterThanOrEqual(2);
  });

  it('sets the session cookie HttpOnly, Secure, SameSite=Lax, for this host only, with an expiry', async () => {
    const browser = new Browser();
    browser.setCookie(github.url, FAKE_GITHUB_USER_COOKIE, 'alice');
    const login = await browser.fetch(`${site.url}/login`);
    const approved = await browser.fetch(login.headers.get('location')!);
    // The callback, with its fresh code, opened in another browser: no state cookie there, refused
    // before the code is exchanged.
    const before = exchanges().length;
    const elsewhere = await fetch(approved.headers.get('location')!, { redirect: 'manual' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(exchanges()).toHaveLength(before);

    const fresh = new Browser();
    fresh.setCookie(github.url, FAKE_GITHUB_USER_COOKIE, 'alice');
    const start = await fresh.fetch(`${site.url}/login`);
    const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith(`${STATE_COOKIE}=`))!;
    expect(stateCookie).toMatch(/; Path=\/; Max-Age=600; HttpOnly; Secure; SameSite=Lax$/);
    const atGitHub = await fresh.fetch(start.headers.get('location')!);
    const back = await fresh.fetch(atGitHub.headers.get('location')!);
    const sessionCookie = back.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(sessionCookie).toMatch(/; Path=\/; Max-Age=(28[0-7]\d\d|28800); HttpOnly; Secure; SameSite=Lax$/);
    expect(back.headers.get('location')).toBe('/status');
  });
});

describe('where sign-in leads', () => {
  it('back to a path of this site only: never to another site', async () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const browser = new Browser();
      browser.setCookie(github.url, FAKE_GITHUB_USER_COOKIE, 'alice');
      await browser.open(`${site.url}/login?next=${encodeURIComponent(next)}`);
      expect(browser.hops.at(-2)!.location, next).toBe('/status');
    }
    const browser = new Browser();
    browser.setCookie(github.url, FAKE_GITHUB_USER_COOKIE, 'alice');
    const list = await browser.open(`${site.url}/login?next=${encodeURIComponent('/api/tasks?limit=1')}`);
    expect(browser.hops.at(-2)!.location).toBe('/api/tasks?limit=1');
    expect(list.status).toBe(200);
  });
});

describe('what a person sees', () => {
  it('only the repositories they can read: the other’s tasks are not listed and their pages are 404', async () => {
    const alice = await signedIn('alice');
    const page = await (await alice.open(`${site.url}/status`)).text();
    expect(page).toContain(visible.id);
    expect(page).not.toContain(hidden.id);
    expect(page).not.toContain('acme/vault');

    const list = (await (await alice.open(`${site.url}/api/tasks`)).json()) as {
      tasks: Array<{ id: string }>;
    };
    expect(list.tasks.map((row) => row.id)).toEqual([visible.id]);
    const byRepo = (await (await alice.open(`${site.url}/api/tasks?repo=acme/vault`)).json()) as {
      tasks: unknown[];
    };
    expect(byRepo.tasks).toEqual([]);

    // 404, word for word as for a task that does not exist: nothing says the task is there.
    const hiddenPage = await alice.open(`${site.url}/status/tasks/${hidden.id}`);
    const missingPage = await alice.open(`${site.url}/status/tasks/no-such-task`);
    expect(hiddenPage.status).toBe(404);
    expect(await hiddenPage.text()).toBe(await missingPage.text());
    const hiddenJson = await alice.open(`${site.url}/api/tasks/${hidden.id}`);
    expect(hiddenJson.status).toBe(404);
    expect(await hiddenJson.text()).not.toContain('launch codes');
  });

  it('someone who can read the other repository sees it, and not the first', async () => {
    const bob = await signedIn('bob');
    const page = await (await bob.open(`${site.url}/status`)).text();
    expect(page).toContain(hidden.id);
    expect(page).not.toContain(visible.id);
    expect(page).toContain('Signed in as <b>@bob</b>');
    const taskPage = await bob.open(`${site.url}/status/tasks/${hidden.id}`);
    expect(taskPage.status).toBe(200);
    expect(await taskPage.text()).toContain('Reading the vault');
    expect((await bob.open(`${site.url}/status/tasks/${visible.id}`)).status).toBe(404);

    // Signing out, from the link every page shows: the session is gone, the next page asks again.
    const out = await bob.open(`${site.url}/logout`);
    expect(await out.text()).toContain('Signed out.');
    expect(bob.cookies(site.url).has(SESSION_COOKIE)).toBe(false);
    const again = await bob.fetch(`${site.url}/status`);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/login?next=%2Fstatus');
  });

  it('someone who can read neither sees no task at all', async () => {
    const eve = await signedIn('eve');
    const page = await (await eve.open(`${site.url}/status`)).text();
    expect(page).toContain('No tasks yet.');
    expect(page).not.toContain('acme/');
  });
});

describe('refused', () => {
  const paths = () => [
    '/',
    '/status',
    `/status/tasks/${hidden.id}`,
    '/api/tasks',
    `/api/tasks/${hidden.id}`,
    '/anything',
  ];

  async function refusedEverywhere(browser: Browser): Promise<void> {
    for (const path of paths()) {
      const response = await browser.fetch(`${site.url}${path}`);
      const body = await response.text();
      if (path.startsWith('/api/')) {
        expect(response.status, path).toBe(401);
      } else {
        expect(response.status, path).toBe(302);
        expect(response.headers.get('location'), path).toBe(`/login?next=${encodeURIComponent(path)}`);
      }
      expect(body, path).not.toContain('acme/');
      expect(body, path).not.toContain(hidden.id.slice(-8));
    }
  }

  it('nothing but the sign-in flow is served without a session', async () => {
    await refusedEverywhere(new Browser());
    // …which starts at /login.
    expect((await new Browser().fetch(`${site.url}/login`)).status).toBe(302);
  });

  it('a forged session cookie: claims changed under a valid signature, or signed with another key', async () => {
    const alice = await signedIn('alice');
    const real = alice.cookies(site.url).get(SESSION_COOKIE)!;
    const [claims, sealed, mac] = real.split('.') as [string, string, string];
    const asBob = Buffer.from(
      Buffer.from(claims, 'base64url').toString().replace('"alice"', '"bob"'),
    ).toString('base64url');
    const forgedClaims = new Browser();
    forgedClaims.setCookie(site.url, SESSION_COOKIE, `${asBob}.${sealed}.${mac}`);
    await refusedEverywhere(forgedClaims);

    const otherKey = new SessionCookies('another-key-that-is-long-enough-0123456789');
    const token = [...github.oauth.userTokens.keys()].at(-1)!;
    const forged = new Browser();
    forged.setCookie(
      site.url,
      SESSION_COOKIE,
      otherKey.seal({ login: 'bob', userId: 1, token, expiresAt: Date.now() + 3_600_000 }),
    );
    await refusedEverywhere(forged);
  });

  it('an expired session cookie, and the refusal clears it', async () => {
    const alice = await signedIn('alice');
    const token = [...github.oauth.userTokens.keys()].at(-1)!;
    const expired = new SessionCookies(SESSION_KEY).seal({
      login: 'alice',
      userId: github.state.account('alice').id,
      token,
      expiresAt: Date.now() - 1000,
    });
    alice.setCookie(site.url, SESSION_COOKIE, expired);
    const response = await alice.fetch(`${site.url}/status`);
    expect(response.status).toBe(302);
    expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=;`))).toBe(true);
    expect(alice.cookies(site.url).has(SESSION_COOKIE)).toBe(false);
    await refusedEverywhere(new Browser());
  });

  it('a callback whose state is not the one this browser was given: no code exchanged, no session', async () => {
    const browser = new Browser();
    browser.setCookie(github.url, FAKE_GITHUB_USER_COOKIE, 'alice');
    const start = await browser.fetch(`${site.url}/login`);
    const atGitHub = await browser.fetch(start.headers.get('location')!);
    const callback = new URL(atGitHub.headers.get('location')!);
    callback.searchParams.set('state', 'a-state-from-an-attacker-0000000000000000');
    const before = exchanges().length;

    const response = await browser.fetch(callback.toString());
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('sign in again');
    expect(exchanges()).toHaveLength(before);
    expect(browser.cookies(site.url).has(SESSION_COOKIE)).toBe(false);
    expect(browser.cookies(site.url).has(STATE_COOKIE)).toBe(false);
    await refusedEverywhere(browser);
  });

  it('a user token GitHub no longer accepts (revoked, expired) ends the session', async () => {
    const dave = new Browser();
    dave.setCookie(github.url, FAKE_GITHUB_USER_COOKIE, 'dave');
    // Up to the callback, which sets the session; what dave can read is not asked yet.
    const start = await dave.fetch(`${site.url}/login`);
    const atGitHub = await dave.fetch(start.headers.get('location')!);
    await dave.fetch(atGitHub.headers.get('location')!);
    expect(dave.cookies(site.url).has(SESSION_COOKIE)).toBe(true);
    github.oauth.revoke([...github.oauth.userTokens.keys()].at(-1)!);

    const response = await dave.fetch(`${site.url}/status`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/login?next=%2Fstatus');
    expect(dave.cookies(site.url).has(SESSION_COOKIE)).toBe(false);
  });
});
