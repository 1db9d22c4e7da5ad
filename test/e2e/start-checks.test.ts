/**
 * `npm start` with a missing or broken setting stops before it starts anything (no store, no
 * port, no `.data/`), non-zero, with one line that names the variable and the fix, and never
 * repeats a secret. Through the real server process.
 */
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_KEY, WEBHOOK_SECRET } from '../support/harness.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { runLocalServerToExit } from '../support/local-server.js';
import { startScriptedModel, type ScriptedModel } from '../support/scripted-model/index.js';

describe('npm start refuses a bad setting in one line', () => {
  let github: FakeGitHub;
  let model: ScriptedModel;
  let project: string;

  beforeAll(async () => {
    [github, model] = await Promise.all([startFakeGitHub(), startScriptedModel()]);
    project = await mkdtemp(join(tmpdir(), 'nightshift-checks-'));
    await chmod(project, 0o755);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(project, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  });
  afterAll(async () => {
    await Promise.all([github?.close(), model?.close()]);
    if (project) await rm(project, { recursive: true, force: true });
  });

  const cases: Array<[string, () => Record<string, string>, RegExp]> = [
    [
      'no ANTHROPIC_API_KEY',
      () => ({ ANTHROPIC_API_KEY: '' }),
      /^ANTHROPIC_API_KEY is not set: .*console\.anthropic\.com/,
    ],
    [
      'a PRIVATE_KEY that is not a PEM',
      () => ({ PRIVATE_KEY: 'not a pem' }),
      /^PRIVATE_KEY is not a PEM private key: paste the whole of the \.pem file/,
    ],
    [
      'a PRIVATE_KEY_PATH that does not exist',
      () => ({ PRIVATE_KEY: '', PRIVATE_KEY_PATH: '/missing.pem' }),
      /^PRIVATE_KEY_PATH=\/missing\.pem: no such file: set it to the \.pem file made under "Private keys"/,
    ],
    [
      'a PRIVATE_KEY_PATH holding a public key',
      () => ({ PRIVATE_KEY: '', PRIVATE_KEY_PATH: join(project, 'public.pem') }),
      /^PRIVATE_KEY_PATH=\S+public\.pem is not a PEM private key/,
    ],
    [
      'a PRIVATE_KEY_PATH that is a folder',
      () => ({ PRIVATE_KEY: '', PRIVATE_KEY_PATH: project }),
      /^PRIVATE_KEY_PATH=\S+ cannot be read \(EISDIR\)/,
    ],
    [
      'no WEBHOOK_SECRET',
      () => ({ WEBHOOK_SECRET: '' }),
      /^WEBHOOK_SECRET is not set: set it to the webhook secret/,
    ],
    [
      'an APP_ID that is not a number',
      () => ({ APP_ID: 'my-app' }),
      /^APP_ID="my-app" is not valid \(.*\): set it to the App ID/,
    ],
    ['no APP_ID beside a key', () => ({ APP_ID: '' }), /^APP_ID is not set: set it to the App ID/],
    [
      'a WEBHOOK_PROXY_URL that is not a URL',
      () => ({ WEBHOOK_PROXY_URL: 'smee.io/abc' }),
      /^WEBHOOK_PROXY_URL="smee\.io\/abc" is not valid .*smee\.io\/new/,
    ],
    ['an unknown LOG_FORMAT', () => ({ LOG_FORMAT: 'fancy' }), /^LOG_FORMAT="fancy" is not valid/],
  ];

  it.each(cases)('%s', async (_, env, message) => {
    const dataDir = join(project, `.data-${Math.random().toString(36).slice(2)}`);
    const { code, output } = await runLocalServerToExit({
      github,
      model,
      secret: WEBHOOK_SECRET,
      anthropicKey: ANTHROPIC_KEY,
      cwd: project,
      dataDir,
      env: env(),
    });
    // On a Node older than package.json's engines a warning line comes first (the machine's Node).
    const lines = output
      .split('\n')
      .filter((line) => line !== '' && !/^Node\.js \S+ is not supported/.test(line));
    expect(lines, output).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(code).toBe(1);
    expect(output).not.toContain('Nightshift listening');
    expect(output).not.toContain('not a pem');
    expect(output).not.toContain(github.privateKey.split('\n')[1]);
    expect(output).not.toContain(WEBHOOK_SECRET);
    expect(output).not.toContain(ANTHROPIC_KEY);
    await expect(stat(dataDir)).rejects.toThrow(/ENOENT/);
  });
});
