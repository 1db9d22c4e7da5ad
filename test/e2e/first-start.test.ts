/**
 * A newcomer's first `npm start`, in a fresh project folder, through the real server process:
 * the setup flow registers the App (its manifest naming the webhook path), the fake GitHub turns
 * the code into credentials written to `.env`, a restarted server reads `.env` and works a signed
 * delivery into a task; then, with WEBHOOK_PROXY_URL, a delivery posted to a smee channel (a
 * loopback stand-in speaking smee.io's protocol to the real smee-client) reaches it the same way.
 */
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../core/task.js';
import { webhookChannel } from '../../functions/local/setup-flow.js';
import { createLogger } from '../../core/log.js';
import { ANTHROPIC_KEY, CALC_FILES, REPO } from '../support/harness.js';
import {
  payloadFor,
  signedDelivery,
  startFakeGitHub,
  type FakeGitHub,
} from '../support/fake-github/index.js';
import { startLocalServer, type LocalServer } from '../support/local-server.js';
import { done, editor, startScriptedModel, type ScriptedModel } from '../support/scripted-model/index.js';
import { startSmeeChannel, type SmeeChannel } from '../support/smee-channel.js';

const SECRET = 'secret-from-the-manifest-flow';

describe('npm start in a fresh folder: register the App, restart, work', () => {
  let github: FakeGitHub;
  let model: ScriptedModel;
  let channel: SmeeChannel;
  let project: string;
  let server: LocalServer | undefined;

  beforeAll(async () => {
    [github, model, channel] = await Promise.all([
      startFakeGitHub(),
      startScriptedModel(),
      startSmeeChannel(),
    ]);
    await github.addRepo({ owner: 'acme', name: 'calc', files: CALC_FILES });
    github.setPermission(REPO, 'alice', 'write');
    project = await mkdtemp(join(tmpdir(), 'nightshift-newcomer-'));
    // As a clone is: the tools' sandbox (another uid, as root) mounts over .env inside it.
    await chmod(project, 0o755);
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([github?.close(), model?.close(), channel?.close()]);
    if (project) await rm(project, { recursive: true, force: true });
  });

  const start = (env: Record<string, string> = {}, options: { setup?: boolean } = {}) =>
    startLocalServer({
      github,
      model,
      secret: SECRET,
      anthropicKey: ANTHROPIC_KEY,
      cwd: project,
      dataDir: join(project, '.data'),
      appCredentials: false,
      ...(options.setup ? { readyText: 'No GitHub App credentials yet' } : {}),
      env,
    });

  async function waitFor<T>(find: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + 40_000;
    for (;;) {
      const found = await find();
      if (found !== undefined) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}:\n${server?.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function labelledIssue(title: string) {
    const issue = github.addIssue(REPO, { title, body: 'add(2, 3) should be 5', user: 'bob' });
    model.push(
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      done('Fixed add().'),
    );
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    return { issue, payload };
  }

  const succeeded = (number: number) => async (): Promise<Task | undefined> => {
    const { store } = await (server as LocalServer).store();
    const task = (await store.listRecent(50)).find((t) => t.target.number === number);
    if (task && ['failed', 'cancelled'].includes(task.status))
      throw new Error(`task ${task.status}: ${task.error}`);
    return task?.status === 'succeeded' ? task : undefined;
  };

  it('without credentials: the setup page registers the webhook path, and only its own state converts a code', async () => {
    server = await start({ NO_SMEE_SETUP: 'true' }, { setup: true });
    const page = await (await fetch(`${server.url}/probot`)).text();
    const manifest = JSON.parse(
      (/name="manifest" value="([^"]*)"/.exec(page)?.[1] ?? '').replace(/&#(\d+);/g, (_, c: string) =>
        String.fromCharCode(Number(c)),
      ),
    ) as { hook_attributes: { url: string }; redirect_url: string; default_events: string[] };
    expect(manifest.hook_attributes.url).toBe(`${server.url}/api/github/webhooks`);
    expect(manifest.redirect_url).toBe(`${server.url}/probot/setup`);
    expect(manifest.default_events).toContain('issues');
    const action = /form action="([^"]+)"/.exec(page)?.[1] ?? '';
    expect(action).toMatch(/\/settings\/apps\/new\?state=[0-9a-f]{32}$/);
    const state = new URL(action).searchParams.get('state') ?? '';

    // No App yet: a delivery is refused, not answered 200 by an app without handlers.
    const early = signedDelivery('ping', { zen: 'hi' }, SECRET);
    const refused = await fetch(`${server.url}/api/github/webhooks`, { method: 'POST', ...early });
    expect(refused.status).toBe(503);

    // A code that arrives without this page's state (a link made elsewhere) is not converted.
    const code = github.manifestCode(SECRET);
    const forged = await fetch(`${server.url}/probot/setup?code=${code}&state=${'0'.repeat(32)}`, {
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
    expect(github.manifestCodes.has(code)).toBe(true);

    const back = await fetch(`${server.url}/probot/setup?code=${code}&state=${state}`, {
      redirect: 'manual',
    });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`https://github.com/apps/${github.appSlug}/installations/new`);
    const envFile = join(project, '.env');
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const written = await readFile(envFile, 'utf8');
    expect(written).toContain(`APP_ID=${github.appId}\n`);
    expect(written).toContain(`WEBHOOK_SECRET=${SECRET}\n`);
    expect(written).toMatch(/^PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\n/m);
    expect(server.output()).toMatch(/registered: APP_ID, PRIVATE_KEY and WEBHOOK_SECRET are in \.env/);
    await server.stop();
    server = undefined;
  });

  it('restarted, it reads .env and a signed delivery starts a task that succeeds; JSON lines carry no key twice', async () => {
    server = await start();
    const { issue, payload } = await labelledIssue('add() is wrong');
    const answer = await server.deliver('issues', payload);
    expect(answer.status).toBe(200);
    await waitFor(succeeded(issue.number), 'the task to succeed');
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      const keys = topLevelKeys(line);
      expect(new Set(keys).size, line).toBe(keys.length);
    }
    await server.stop();
    server = undefined;
  });

  it('with a smee channel in .env, a delivery posted to the channel reaches the server and starts a task; LOG_FORMAT=pretty reads as text', async () => {
    const log = createLogger('silent', 'json');
    const made = await webhookChannel({
      envFile: join(project, '.env'),
      log,
      newChannelUrl: channel.newChannelUrl,
    });
    expect(made).toBe(channel.url);
    expect(await readFile(join(project, '.env'), 'utf8')).toContain(`WEBHOOK_PROXY_URL=${channel.url}\n`);
    delete process.env.WEBHOOK_PROXY_URL; // updateDotEnv set it in this process too

    server = await start({ LOG_FORMAT: 'pretty' });
    await waitFor(() => (channel.listeners() > 0 ? true : undefined), 'smee-client to connect');
    const { issue, payload } = await labelledIssue('add() is still wrong');
    const signed = signedDelivery('issues', payload, SECRET);
    expect(await channel.deliver(signed.headers, signed.body)).toBe(200);
    await waitFor(succeeded(issue.number), 'the task to succeed');

    const output = server.output();
    expect(output).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: Nightshift listening: webhooks at POST \/api\/github\/webhooks \(and from http/m,
    );
    expect(output).toMatch(
      /Forwarding http:\/\/127\.0\.0\.1:\d+\/\S+ to http:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks/,
    );
    expect(output).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks - 200/);
    expect(output.split('\n').filter((line) => line.startsWith('{"level"'))).toEqual([]);
  });
});

/** The keys of a JSON object's text in order, duplicates kept (JSON.parse would drop them). */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',') expectKey = depth === 1;
  }
  return keys;
}
