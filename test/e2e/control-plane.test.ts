/**
 * `npm start`'s control plane is Nightshift's own: started in a project folder whose `.env` and
 * `.data/` were left readable by others, the server makes them owner-only, its store refuses a
 * forged write from a plain HTTP client, and its status page answers only with the token it
 * printed. GitHub's webhook path needs no token.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNRECOGNIZED_CLIENT } from '../../core/store/embedded.js';
import { ANTHROPIC_KEY, WEBHOOK_SECRET } from '../support/harness.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { startLocalServer, type LocalServer } from '../support/local-server.js';
import { startScriptedModel, type ScriptedModel } from '../support/scripted-model/index.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('npm start: the control plane is not the tools’', () => {
  let github: FakeGitHub;
  let model: ScriptedModel;
  let server: LocalServer;
  let project: string;

  beforeAll(async () => {
    [github, model] = await Promise.all([startFakeGitHub(), startScriptedModel()]);
    project = await mkdtemp(join(tmpdir(), 'nightshift-project-'));
    await writeFile(join(project, '.env'), 'NIGHTSHIFT_LABEL=agent\n', { mode: 0o644 });
    await mkdir(join(project, '.data'), { mode: 0o755 });
    server = await startLocalServer({
      github,
      model,
      secret: WEBHOOK_SECRET,
      anthropicKey: ANTHROPIC_KEY,
      cwd: project,
      dataDir: join(project, '.data'),
    });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([github?.close(), model?.close()]);
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('makes .data 0700, its files 0600 and .env 0600, saying once that .env was open', async () => {
    const data = join(project, '.data');
    expect(await modeOf(data)).toBe(0o700);
    expect(await modeOf(join(data, 'endpoint'))).toBe(0o600);
    expect(await modeOf(join(data, 'store-credentials.json'))).toBe(0o600);
    expect(await modeOf(join(data, 'dynamo'))).toBe(0o700);
    expect(await modeOf(join(project, '.env'))).toBe(0o600);
    expect(server.output().match(/\.env was readable by other users/g)).toHaveLength(1);
  });

  it('its store refuses an unsigned PutItem of a forged task; its own client still works', async () => {
    const endpoint = (await readFile(join(project, '.data', 'endpoint'), 'utf8')).trim();
    const { store, tableName } = await server.store();
    const before = await store.listRecent(50);
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.PutItem',
      },
      body: JSON.stringify({
        TableName: tableName,
        Item: { pk: { S: 'TASK#FORGED' }, sk: { S: 'TASK' }, status: { S: 'queued' } },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(UNRECOGNIZED_CLIENT.body);
    expect(await store.listRecent(50)).toEqual(before);
    await expect(store.load('FORGED')).rejects.toThrow(/FORGED/);
  });

  it('its status page is a 401 without the printed token and a 200 with it', async () => {
    const withToken = server.statusUrl();
    expect(withToken).toMatch(new RegExp(`^${server.url}/status\\?token=[\\w-]{32}$`));
    const token = new URL(withToken).searchParams.get('token') ?? '';
    const without = await fetch(`${server.url}/status`);
    expect(without.status).toBe(401);
    expect(await without.text()).not.toContain('<table');
    expect((await fetch(`${server.url}/api/tasks`)).status).toBe(401);
    expect((await fetch(`${server.url}/status?token=${token.slice(1)}x`)).status).toBe(401);
    const page = await fetch(withToken);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Per repository');
    const api = await fetch(`${server.url}/api/tasks`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(200);
  });

  it('GitHub’s webhook path asks for no token: a signed delivery is answered as before', async () => {
    const ping = await server.deliver('ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(ping.status).toBe(200);
    const unsigned = await fetch(`${server.url}/api/github/webhooks`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401); // the signature check, not the status page's token
  });
});
