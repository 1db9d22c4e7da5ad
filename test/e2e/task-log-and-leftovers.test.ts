/**
 * What an operator of `npm start` reads and finds on disk, through the real server process:
 *
 * - its log at `info` says each step of a task (task id, repository, duration) and its end
 *   (outcome, cost, pull request); the agent's turn-by-turn detail is not at `info`;
 * - no task folder (the checkout, the tools' home with its caches) and no uid lock is left after
 *   a success, a failure, a cancel, a SIGTERM of the server mid-task, or a SIGKILL of it followed
 *   by a restart, even when the dead task's tools planted a link to a root-owned file outside.
 */
import { existsSync } from 'node:fs';
import {
  chmod,
  lchown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../core/task.js';
import { ANTHROPIC_KEY, CALC_FILES, REPO, WEBHOOK_SECRET } from '../support/harness.js';
import { payloadFor, startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { startLocalServer, type LocalServer } from '../support/local-server.js';
import {
  bash,
  done,
  editor,
  startScriptedModel,
  type ScriptedModel,
} from '../support/scripted-model/index.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const isRoot = process.getuid?.() === 0;

interface LogLine {
  level: number;
  msg: string;
  taskId?: string;
  repository?: string;
  step?: string;
  ms?: number;
  [key: string]: unknown;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

describe('npm start: the log of a task, and nothing left behind', () => {
  let github: FakeGitHub;
  let model: ScriptedModel;
  let server: LocalServer;
  let base: string;
  let workRoot: string;
  let lockDir: string;
  let serverEnv: Record<string, string>;

  beforeAll(async () => {
    // A work root and temp folder of this test's own, so that what is left is this test's; the
    // tools must be able to pass through them to their folder (o+x).
    base = await mkdtemp(join(tmpdir(), 'nightshift-leftovers-'));
    workRoot = join(base, 'work');
    const temp = join(base, 'tmp');
    for (const dir of [base, workRoot, temp]) {
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o711);
    }
    lockDir = join(temp, 'nightshift-uids');
    serverEnv = {
      NIGHTSHIFT_WORK_ROOT: workRoot,
      TMPDIR: temp,
      NIGHTSHIFT_SHUTDOWN_GRACE_MS: '300',
      NIGHTSHIFT_SWEEP_INTERVAL_MS: '3600000',
    };
    github = await startFakeGitHub();
    model = await startScriptedModel();
    await github.addRepo({
      owner: 'acme',
      name: 'calc',
      files: {
        ...CALC_FILES,
        '.github/nightshift.yml':
          'setup:\n  - echo setting up && mkdir -p "$(npm config get cache)" && touch "$(npm config get cache)/cached"\n' +
          'test: node test.js\nlimits:\n  turns: 12\n',
      },
    });
    github.setPermission(REPO, 'alice', 'write');
    server = await startLocalServer({
      github,
      model,
      secret: WEBHOOK_SECRET,
      anthropicKey: ANTHROPIC_KEY,
      env: serverEnv,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([github?.close(), model?.close()]);
    if (base) await rm(base, { recursive: true, force: true });
  });

  async function waitFor(predicate: (tasks: Task[]) => Task | undefined, timeoutMs = 40_000): Promise<Task> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { store } = await server.store();
      const found = predicate(await store.listRecent(200));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out; server output:\n${server.output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const endedOn = (number: number) => (tasks: Task[]) =>
    tasks.find((t) => t.target.number === number && TERMINAL.includes(t.status));

  async function label(title: string): Promise<number> {
    const issue = github.addIssue(REPO, { title, user: 'bob' });
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    expect((await server.deliver('issues', payload)).status).toBeLessThan(300);
    return issue.number;
  }

  /** What is in the work root and the uid locks, once the server had a moment to settle. */
  async function leftovers(): Promise<{ work: string[]; locks: string[] }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const work = await readdir(workRoot);
      const locks = await readdir(lockDir).catch(() => [] as string[]);
      if ((work.length === 0 && locks.length === 0) || Date.now() > deadline) return { work, locks };
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('logs one info line per step (task id, repository, duration) and the end with outcome, cost and PR; the agent’s turns only at debug', async () => {
    model.push(
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      bash('node test.js'),
      done('Fixed add() to add.'),
    );
    const number = await label('add() is wrong');
    const task = await waitFor(endedOn(number));
    expect(task.status, task.error).toBe('succeeded');
    // The end line is written after the record: wait for it.
    const deadline = Date.now() + 10_000;
    while (!logLines(server.output()).some((l) => l.taskId === task.id && l.step === 'end')) {
      if (Date.now() > deadline) throw new Error(`no end line:\n${server.output().slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = logLines(server.output()).filter((l) => l.taskId === task.id);
    // Nothing below info reaches the log at info, and nothing comes twice.
    expect(lines.every((l) => l.level >= 30)).toBe(true);
    expect(lines.some((l) => /agent turn/.test(l.msg))).toBe(false);
    const steps = lines.filter((l) => l.step !== undefined);
    expect(steps.map((l) => l.step)).toEqual([
      'start',
      'clone',
      'setup',
      'agent',
      'test',
      'push',
      'pull-request',
      'session-log',
      'end',
    ]);
    for (const line of steps) {
      expect(line.level).toBe(30);
      expect(line.repository).toBe(REPO);
      if (line.step !== 'start') expect(typeof line.ms).toBe('number');
    }
    const byStep = (step: string) => steps.find((l) => l.step === step);
    expect(byStep('clone')?.msg).toMatch(/^cloned acme\/calc \(main\) into the sandbox \(\d/);
    expect(byStep('setup')?.msg).toMatch(/^setup `echo setting up .*`: exit 0 \(/);
    expect(byStep('test')?.msg).toMatch(/^tests `node test.js`: passed \(/);
    expect(byStep('push')?.msg).toMatch(/^pushed nightshift\/issue-\S+ \([0-9a-f]{7}\)/);
    const pr = github.pullRequests(REPO)[0];
    const prUrl = task.result?.pullRequestUrl;
    expect(prUrl).toMatch(new RegExp(`/pull/${pr?.number}$`));
    const end = byStep('end');
    expect(end).toMatchObject({
      status: 'succeeded',
      conclusion: 'success',
      costUsd: task.usage.costUsd,
      pullRequest: prUrl,
    });
    expect(end?.msg).toContain(`ended succeeded: Pull request ready for review`);
    expect(end?.msg).toContain(prUrl);
    expect(end?.msg).toMatch(/\$\d+\.\d\d|<\$0\.01/);

    // The status page of this server shows the task: when, its issue linked, the trigger in words,
    // its cost (below a cent as such), its PR, and its own page.
    const statusUrl = new URL(server.statusUrl());
    const page = await (await fetch(statusUrl)).text();
    expect(page).toMatch(
      /<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">\d+s ago<\/time>/,
    );
    expect(page).toContain(`title="issue #${number}">acme/calc#${number}</a>`);
    expect(page).toContain('<td class="trigger">label</td>');
    expect(page).toContain(`>#${pr?.number}</a>`);
    expect(page).not.toContain('$0.00</td>');
    const taskPage = new URL(`/status/tasks/${task.id}`, statusUrl);
    taskPage.search = statusUrl.search;
    const detail = await fetch(taskPage);
    expect(detail.status).toBe(200);
    expect(await detail.text()).toContain(`<h1>Task ${task.id}</h1>`);
  });

  it('leaves no task folder, tools’ home (npm cache included) or uid lock after a success', async () => {
    expect(await leftovers()).toEqual({ work: [], locks: [] });
  });

  it('leaves nothing after a failure', async () => {
    model.push({ error: 400, message: 'prompt is malformed' });
    const task = await waitFor(endedOn(await label('Fails')));
    expect(task.status).toBe('failed');
    expect(await leftovers()).toEqual({ work: [], locks: [] });
  });

  it('leaves nothing after a cancel (`/agent stop`)', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const before = model.requests.length;
    model.push(bash('sleep 0.2'), async () => {
      await held;
      return bash('echo still here');
    });
    const number = await label('Slow work');
    await waitFor((tasks) => (model.requests.length >= before + 2 ? tasks[0] : undefined));
    expect((await readdir(workRoot)).length).toBe(1);
    const stop = github.addComment(REPO, number, { body: '/agent stop', user: 'alice' });
    const payload = await payloadFor(github, REPO, 'issue_comment', 'created', {
      issue: { number },
      comment: { id: stop.id },
      sender: { login: 'alice' },
    });
    await server.deliver('issue_comment', payload);
    await waitFor((tasks) => tasks.find((t) => t.target.number === number && t.cancelRequested));
    release();
    expect((await waitFor(endedOn(number))).status).toBe('cancelled');
    expect(await leftovers()).toEqual({ work: [], locks: [] });
  });

  it('leaves nothing when the server is stopped (SIGTERM) mid-task: the task ends failed, saying so', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const before = model.requests.length;
    model.push(bash('sleep 0.1'), async () => {
      await held;
      return { error: 500 };
    });
    const number = await label('Stopped mid-task');
    await waitFor((tasks) => (model.requests.length >= before + 2 ? tasks[0] : undefined));
    expect((await readdir(workRoot)).length).toBe(1);
    const dataDir = server.dataDir;
    await server.kill('SIGTERM');
    release();
    expect(await leftovers()).toEqual({ work: [], locks: [] });
    server = await startLocalServer({
      github,
      model,
      secret: WEBHOOK_SECRET,
      anthropicKey: ANTHROPIC_KEY,
      dataDir,
      env: serverEnv,
    });
    const task = await waitFor(endedOn(number));
    expect(task.status).toBe('failed');
    expect(task.result?.headline).toBe('Nightshift was stopped while working');
  });

  it.runIf(isRoot)(
    'removes what a killed server’s task left at the next start, as the tools, without following a planted link',
    async () => {
      const outside = join(base, 'root-owned.txt');
      await writeFile(outside, 'keep me\n', { mode: 0o644 });
      const before = model.requests.length;
      model.push(bash('sleep 0.1'), () => new Promise(() => undefined));
      const number = await label('Killed mid-task');
      await waitFor((tasks) => (model.requests.length >= before + 2 ? tasks[0] : undefined));
      const dataDir = server.dataDir;
      await server.kill('SIGKILL'); // the whole process group: the agent dies without cleaning up
      const [left] = await readdir(workRoot);
      if (!left) throw new Error('the killed task left no folder: nothing to test');
      // The group's processes are gone once the kernel has reaped them; only then is it "dead".
      const agentPid = /^nightshift-task-(\d+)-/.exec(left)?.[1];
      for (let i = 0; i < 100 && agentPid && existsSync(`/proc/${agentPid}`); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(agentPid && existsSync(`/proc/${agentPid}`), `agent ${agentPid} still running`).toBeFalsy();
      const tools = join(workRoot, left, 'tools');
      const uid = (await lstat(tools)).uid;
      expect(uid).not.toBe(0);
      expect(await readdir(lockDir)).toContain(String(uid));
      // What a hostile tool would have left: links to a root-owned file outside, as its own.
      for (const link of [
        join(tools, 'repo', 'evil'),
        join(tools, 'home', 'evil'),
        join(tools, 'repo', 'evil-dir'),
      ]) {
        await symlink(link.endsWith('dir') ? base : outside, link);
        await lchown(link, uid, uid);
      }
      server = await startLocalServer({
        github,
        model,
        secret: WEBHOOK_SECRET,
        anthropicKey: ANTHROPIC_KEY,
        dataDir,
        env: serverEnv,
      });
      expect(await leftovers()).toEqual({ work: [], locks: [] });
      expect(await readFile(outside, 'utf8')).toBe('keep me\n');
      expect((await lstat(outside)).uid).toBe(0);
      expect(server.output()).toMatch(
        /removed 1 task folder\(s\) and \d uid lock\(s\) left by stopped tasks/,
      );
      expect((await waitFor(endedOn(number))).status).toBe('failed');
    },
  );
});
