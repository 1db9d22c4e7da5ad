/**
 * The local runner's token channel, with a stand-in agent program: the child's environment holds
 * no App credentials, it gets tokens for its own task over its IPC channel while the task lives
 * (minted from the store and the fake GitHub, as `npm start` does), and a process it starts (as
 * the agent starts its tools) inherits no channel to ask on.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishTask } from '../../../core/lifecycle.js';
import type { TokenAnswer } from '../../../core/task-token.js';
import type { Task } from '../../../core/task.js';
import { LocalRunner } from '../../../functions/runners/local-runner.js';
import { appTokenIssuer, mintTaskToken } from '../../../functions/token/mint-task-token.js';
import { startTestStore, type TestStore } from '../../support/dynamo.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github/index.js';

/** Every socket among this process's open fds past stdio (pipes from spawn are sockets), in `sockets`. */
const LIST_SOCKETS = `
const { readdirSync, readlinkSync } = require('node:fs');
const sockets = [];
for (const fd of readdirSync('/proc/self/fd').filter((fd) => Number(fd) > 2)) {
  try { if (readlinkSync('/proc/self/fd/' + fd).startsWith('socket:')) sockets.push(Number(fd)); } catch {}
}
`;

/** Writes a token request to every socket it inherited and prints what came back. */
const PROBE = `${LIST_SOCKETS}
const net = require('node:net');
const answers = [];
for (const fd of sockets) {
  try {
    const s = new net.Socket({ fd, readable: true, writable: true });
    s.on('data', (d) => answers.push(String(d)));
    s.on('error', () => {});
    s.write(JSON.stringify({ type: 'token', id: 99 }) + '\\n');
  } catch (e) { answers.push('error: ' + e.message); }
}
setTimeout(() => { console.log(JSON.stringify({ sockets, answers, channelFd: process.env.NODE_CHANNEL_FD ?? null })); process.exit(0); }, 1000);
`;

/** The stand-in agent: reports its environment, asks twice for a token, runs the probe as a grandchild. */
const AGENT = `
const { spawnSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const ask = (id) => new Promise((resolve) => {
  const on = (m) => { if (m && m.id === id) { process.off('message', on); resolve(m.answer); } };
  process.on('message', on);
  process.send({ type: 'token', id });
});
(async () => {
  const first = await ask(1);
  const grandchild = spawnSync(process.execPath, ['-e', process.env.NIGHTSHIFT_TEST_PROBE], { encoding: 'utf8' });
  const second = await ask(2);
  writeFileSync(process.env.NIGHTSHIFT_TEST_OUT, JSON.stringify({
    env: process.env,
    first,
    second,
    grandchild: JSON.parse(grandchild.stdout || '{}'),
    grandchildError: grandchild.stderr,
  }));
  process.disconnect();
})();
`;

describe.runIf(process.platform === 'linux')('the local runner’s token channel', () => {
  let github: FakeGitHub;
  let db: TestStore;
  let dir: string;
  beforeAll(async () => {
    [github, db, dir] = await Promise.all([
      startFakeGitHub(),
      startTestStore(),
      mkdtemp(join(tmpdir(), 'nightshift-ipc-')),
    ]);
    await github.addRepo({ owner: 'acme', name: 'calc' });
    await github.addRepo({ owner: 'acme', name: 'secrets' });
  });
  afterAll(async () => {
    await Promise.all([github.close(), db.close(), rm(dir, { recursive: true, force: true })]);
  });

  it('gives the child no App credentials, tokens for its task only while it lives, and no channel to its children', async () => {
    const log = pino({ level: 'silent' });
    const issuer = appTokenIssuer({
      appId: github.appId,
      privateKey: github.privateKey,
      baseUrl: github.url,
    });
    let task = await db.store.create({
      repository: 'acme/calc',
      installationId: github.repo('acme/calc')!.installationId!,
      target: { kind: 'issue', number: 1 },
      trigger: { kind: 'issue_label', text: '', sender: 'alice' },
      engineer: 'alice',
    });
    task = await db.store.transition(await db.store.transition(task, 'dispatched'), 'running');
    const asked: Task[] = [];
    const tokens = async (forTask: Task): Promise<TokenAnswer> => {
      asked.push(forTask);
      const answer = await mintTaskToken({ store: db.store, issuer, log }, { taskId: forTask.id }, 'channel');
      // The task ends after its first token: the second request must be refused.
      if (asked.length === 1)
        await finishTask(db.store, undefined, await db.store.load(forTask.id), 'succeeded', {
          conclusion: 'success',
          headline: 'done',
        });
      return answer;
    };
    const script = join(dir, 'agent.cjs');
    const out = join(dir, 'out.json');
    await writeFile(script, AGENT);
    let exited: string | undefined;
    const runner = new LocalRunner({
      command: [process.execPath, script],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        APP_ID: String(github.appId),
        PRIVATE_KEY: github.privateKey,
        PRIVATE_KEY_PATH: '/run/secrets/key.pem',
        WEBHOOK_SECRET: 'whsec-should-not-pass',
        NODE_CHANNEL_FD: '7',
        SOMETHING_ELSE: 'not on the allow-list',
        NIGHTSHIFT_TEST_OUT: out,
        NIGHTSHIFT_TEST_PROBE: PROBE,
      },
      tokens,
      log,
      onExit: (_taskId, stop) => {
        exited = stop.reason;
      },
    });
    await runner.start(task);
    await runner.drain(20_000);
    expect(exited).toBe('its process exited with code 0');
    const report = JSON.parse(await readFile(out, 'utf8')) as {
      env: Record<string, string>;
      first: TokenAnswer;
      second: TokenAnswer;
      grandchild: { sockets: number[]; answers: string[]; channelFd: string | null };
      grandchildError: string;
    };

    // Its environment: the allow-list and its task id; none of the App's credentials.
    for (const name of [
      'APP_ID',
      'PRIVATE_KEY',
      'PRIVATE_KEY_PATH',
      'WEBHOOK_SECRET',
      'NODE_CHANNEL_FD',
      'SOMETHING_ELSE',
    ]) {
      expect(report.env[name], name).toBeUndefined();
    }
    expect(report.env.TASK_ID).toBe(task.id);
    expect(JSON.stringify(report.env)).not.toContain(github.privateKey.split('\n')[1]!);

    // The first token is for its task's repository only; after the task ended, none.
    const first = report.first;
    if (!first.ok) throw new Error(first.message);
    const record = github.tokens().find((t) => t.token === first.token)!;
    expect(record.repositoryIds).toEqual([github.repo('acme/calc')!.id]);
    expect(first.appSlug).toBe(github.appSlug);
    expect(report.second).toMatchObject({ ok: false, code: 'not_running' });

    // The grandchild inherited no socket (the channel is close-on-exec) and got no answer.
    expect(report.grandchildError).toBe('');
    expect(report.grandchild).toEqual({ sockets: [], answers: [], channelFd: null });
    expect(asked.map((t) => t.id)).toEqual([task.id, task.id]);
  });

  it('the socket listing does see a channel where one is open: the child’s own', async () => {
    const script = join(dir, 'self.cjs');
    const out = join(dir, 'self.json');
    await writeFile(
      script,
      `${LIST_SOCKETS}\nrequire('node:fs').writeFileSync(process.env.NIGHTSHIFT_TEST_OUT, JSON.stringify(sockets));\nprocess.disconnect();\n`,
    );
    const runner = new LocalRunner({
      command: [process.execPath, script],
      env: { PATH: process.env.PATH, NIGHTSHIFT_TEST_OUT: out },
      tokens: async () => ({ ok: false, code: 'failed', message: 'not asked in this test' }),
      log: pino({ level: 'silent' }),
      onExit: () => undefined,
    });
    const task = await db.store.create({
      repository: 'acme/calc',
      installationId: github.repo('acme/calc')!.installationId!,
      target: { kind: 'issue', number: 2 },
      trigger: { kind: 'issue_label', text: '', sender: 'alice' },
      engineer: 'alice',
    });
    await runner.start(task);
    await runner.drain(20_000);
    expect((JSON.parse(await readFile(out, 'utf8')) as number[]).length).toBeGreaterThan(0);
  });
});
