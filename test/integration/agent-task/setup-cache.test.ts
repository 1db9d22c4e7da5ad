/**
 * The setup cache and a failing setup, through the real path: signed webhooks, the local runner's
 * agent process, the tools' sandbox, the local cache store under a folder of the "server", the
 * scripted model. The setup stands in for a guarded `npm ci`: it builds `deps/` from scratch
 * unless the cache was restored (`SETUP_CACHE=hit`).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpareShelf } from '../../../agent-task/setup/setup-spares.js';
import type { Task } from '../../../core/task.js';
import { CALC_FILES, REPO, startHarness, type Harness } from '../../support/harness.js';
import { bash, done, editor, type ScriptStep } from '../../support/scripted-model/index.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled'];
/** Several whole tasks per case, on a shared 2-core machine. */
const SLOW = 240_000;

const BUILD_DEPS =
  'echo "setup saw SETUP_CACHE=$SETUP_CACHE"; if [ "$SETUP_CACHE" = hit ]; then cat deps/made-by; ' +
  'else mkdir -p deps && echo "made by the setup of task $(cat /proc/sys/kernel/random/uuid)" > deps/made-by; fi';

function config(setup: string[], extra = ''): string {
  return `test: node test.js\nsetup:\n${setup.map((c) => `  - ${JSON.stringify(c)}`).join('\n')}\ncache:\n  paths: [deps]\n  key: [deps.lock]\n${extra}`;
}

describe('the setup cache and the setup step', () => {
  let h: Harness;
  let cacheDir: string;

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'nightshift-test-cache-'));
    h = await startHarness({
      files: {
        ...CALC_FILES,
        '.gitignore': 'deps/\n',
        'deps.lock': 'left-pad@1.3.0\n',
        '.github/nightshift.yml': config([BUILD_DEPS]),
      },
      env: { NIGHTSHIFT_SETUP_CACHE_DIR: cacheDir },
    });
  });
  afterAll(async () => {
    await h.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  const fix: ScriptStep[] = [
    editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
    done('Fixed add().'),
  ];

  /** The agent looks at what the setup left, then tampers with it (which must never be cached). */
  function agentLooks(seen: { output?: string }): ScriptStep[] {
    return [
      bash(
        'echo "agent saw SETUP_CACHE=$SETUP_CACHE"; cat deps/made-by; echo agent-was-here >> deps/made-by',
      ),
      (request) => {
        seen.output = JSON.stringify(request.body.messages.at(-1));
        return fix[0]!;
      },
      fix[1]!,
    ];
  }

  async function ids(): Promise<Set<string>> {
    return new Set((await h.tasks()).map((t) => t.id));
  }

  async function finished(before: Set<string>): Promise<Task> {
    await h.settle();
    return h.waitForTask((t) => !before.has(t.id) && TERMINAL.includes(t.status));
  }

  async function runIssue(title: string, steps: ScriptStep[]): Promise<Task> {
    const before = await ids();
    const issue = h.github.addIssue(REPO, { title, body: 'add(2, 3) must be 5', user: 'bob' });
    h.model.push(...steps);
    await h.label(issue.number);
    return finished(before);
  }

  async function agentFix(prNumber: number, steps: ScriptStep[]): Promise<Task> {
    const before = await ids();
    const comment = h.github.addComment(REPO, prNumber, { body: '/agent fix', user: 'alice' });
    h.model.push(...steps);
    await h.deliver(
      'issue_comment',
      await h.payload('issue_comment', 'created', {
        issue: { number: prNumber },
        comment: { id: comment.id },
        sender: { login: 'alice' },
      }),
    );
    return finished(before);
  }

  async function setConfig(text: string): Promise<void> {
    await h.github.commitFiles(REPO, 'main', { '.github/nightshift.yml': text }, 'Nightshift settings');
  }

  async function logOf(task: Task): Promise<string> {
    return (await h.db.store.readLog(task.id)).map((e) => e.message).join('\n');
  }

  async function entries(): Promise<string[]> {
    return (await readdir(cacheDir)).filter((name) => !name.startsWith('.'));
  }

  const madeBy = (output: string | undefined) =>
    /made by the setup of task [0-9a-f-]+/.exec(output ?? '')?.[0];
  let firstMade: string | undefined;
  let pr: { number: number; headRef: string };

  it(
    'restores what the first task setup made into the second task, before its setup, and nothing the agent did',
    async () => {
      const first: { output?: string } = {};
      const one = await runIssue('First', agentLooks(first));
      expect(one.status).toBe('succeeded');
      expect(first.output).toContain('agent saw SETUP_CACHE=miss');
      firstMade = madeBy(first.output);
      expect(firstMade).toBeDefined();
      expect(await logOf(one)).toMatch(/setup cache: saved deps/);
      expect(await entries()).toHaveLength(1);

      const second: { output?: string } = {};
      const two = await runIssue('Second', agentLooks(second));
      expect(two.status).toBe('succeeded');
      expect(second.output).toContain('agent saw SETUP_CACHE=hit');
      // The second setup saw the restored files: it printed the first task's marker, and so does the agent.
      expect(madeBy(second.output)).toBe(firstMade);
      expect(second.output).not.toContain('agent-was-here');
      expect(await logOf(two)).toMatch(/restored deps from this branch's entry/);

      const opened = h.github.pullRequests(REPO)[0];
      if (!opened) throw new Error('no pull request');
      pr = opened;
    },
    SLOW,
  );

  /** The repository's spare on the shelf, made by the last task that set up with the cache. */
  async function spareReady(): Promise<void> {
    const shelf = SpareShelf.dirFor(tmpdir(), cacheDir);
    for (let i = 0; i < 300; i++) {
      if ((await readdir(shelf).catch(() => [])).some((name) => !name.startsWith('.'))) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no setup spare was made');
  }

  it(
    "the next task's setup moves in the entry unpacked ahead: the tools' own files, and nothing the agent did",
    async () => {
      await spareReady();
      const seen: { output?: string } = {};
      const task = await runIssue('Unpacked ahead', [
        bash(
          'echo "agent saw SETUP_CACHE=$SETUP_CACHE"; stat -c "owner %u" deps/made-by; id -u; echo agent-was-here >> deps/made-by && echo wrote',
        ),
        (request) => {
          seen.output = JSON.stringify(request.body.messages.at(-1));
          return fix[0]!;
        },
        fix[1]!,
      ]);
      expect(task.status).toBe('succeeded');
      expect(await logOf(task)).toMatch(/restored deps from this branch's entry \(unpacked ahead\)/);
      expect(seen.output).toContain('agent saw SETUP_CACHE=hit');
      const owner = /owner (\d+)/.exec(seen.output ?? '')?.[1];
      expect(seen.output).toMatch(new RegExp(`owner ${owner}\\\\n${owner}\\\\nwrote`));

      // The spare for the task after is made from the store's entry, not from this task's files.
      await spareReady();
      const after: { output?: string } = {};
      expect((await runIssue('After the spare', agentLooks(after))).status).toBe('succeeded');
      expect(madeBy(after.output)).toBe(firstMade);
      expect(after.output).not.toContain('agent-was-here');
    },
    SLOW,
  );

  it(
    "a pull request's task reads the default branch's entry when its own branch has none",
    async () => {
      const onBranch: { output?: string } = {};
      const task = await agentFix(pr.number, agentLooks(onBranch));
      expect(task.target.kind).toBe('pull_request');
      expect(task.status).toBe('succeeded');
      expect(onBranch.output).toContain('agent saw SETUP_CACHE=hit');
      expect(madeBy(onBranch.output)).toBe(firstMade);
      expect(await logOf(task)).toMatch(/restored deps from main's entry/);
    },
    SLOW,
  );

  it(
    'keys by the lockfile: a changed deps.lock starts from scratch',
    async () => {
      await h.github.commitFiles(REPO, 'main', { 'deps.lock': 'left-pad@1.3.1\n' }, 'Bump left-pad');
      const seen: { output?: string } = {};
      const task = await runIssue('Bumped', agentLooks(seen));
      expect(task.status).toBe('succeeded');
      expect(seen.output).toContain('agent saw SETUP_CACHE=miss');
      expect(madeBy(seen.output)).not.toBe(firstMade);
      expect(await entries()).toHaveLength(2);
    },
    SLOW,
  );

  it(
    "a pull request's branch never writes the entry a default-branch task restores",
    async () => {
      // The same lockfile on both branches, and new setup commands: no entry anywhere for this key.
      await h.github.commitFiles(REPO, pr.headRef, { 'deps.lock': 'left-pad@1.3.1\n' }, 'Bump left-pad');
      await setConfig(config([BUILD_DEPS, 'true']));
      const onBranch: { output?: string } = {};
      const prTask = await agentFix(pr.number, agentLooks(onBranch));
      expect(prTask.status).toBe('succeeded');
      expect(onBranch.output).toContain('agent saw SETUP_CACHE=miss');
      expect(await logOf(prTask)).toMatch(/setup cache: saved deps/);

      // The default branch's task does not see the branch's entry: it makes and saves its own.
      const onMain: { output?: string } = {};
      const mainTask = await runIssue('After the branch', agentLooks(onMain));
      expect(mainTask.status).toBe('succeeded');
      expect(onMain.output).toContain('agent saw SETUP_CACHE=miss');
      expect(madeBy(onMain.output)).not.toBe(madeBy(onBranch.output));
      expect(await logOf(mainTask)).toMatch(/setup cache: saved deps/);
    },
    SLOW,
  );

  it(
    'a broken entry or a save that fails never fails the task',
    async () => {
      await setConfig(config([BUILD_DEPS]));
      // Every entry in the store is now garbage.
      for (const name of await entries()) await writeFile(join(cacheDir, name), 'not an archive');
      const broken: { output?: string } = {};
      const task = await runIssue('Broken cache', agentLooks(broken));
      expect(task.status).toBe('succeeded');
      expect(broken.output).toContain('agent saw SETUP_CACHE=miss');
      expect(await logOf(task)).toMatch(/restoring this branch's entry failed/);
      expect(await logOf(task)).toMatch(/setup cache: saved deps/);

      // A cached path the tools cannot read: packing fails, the task goes on.
      await setConfig(config([`${BUILD_DEPS}; echo x > deps/unreadable; chmod 000 deps/unreadable`, 'true']));
      const unsaved = await runIssue('Unsaved', agentLooks({}));
      expect(unsaved.status).toBe('succeeded');
      expect(await logOf(unsaved)).toMatch(/setup cache: not saved \(packing failed/);
    },
    SLOW,
  );

  it(
    'a failing setup command stops the task before the agent, quoting its output with secrets redacted',
    async () => {
      const token = 'ghs_0123456789abcdefghijABCDEFGHIJ012345';
      await setConfig(
        config([`echo "fetching with ${token}"; echo "npm ERR! 404 Not Found - left-pad@9.9.9" >&2; exit 7`]),
      );
      const requestsBefore = h.model.requests.length;
      const task = await agentFix(pr.number, []);
      expect(task.status).toBe('failed');
      expect(h.model.requests.length).toBe(requestsBefore);
      const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
      expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
      expect(run?.output.title).toMatch(/^Setup failed: echo "fetching with/);
      expect(run?.output.summary).toContain('failed (exit code 7), so the agent did not start');
      expect(run?.output.summary).toContain('npm ERR! 404 Not Found - left-pad@9.9.9');
      expect(run?.output.summary).toContain('[REDACTED]');
      expect(JSON.stringify(run?.output)).not.toContain(token);
      expect(task.error ?? '').not.toContain(token);
    },
    SLOW,
  );

  it(
    'with setupFailure: continue, the agent is told in its first message what failed',
    async () => {
      await setConfig(
        config(['echo "libfoo is missing" >&2; exit 3', BUILD_DEPS], 'setupFailure: continue\n'),
      );
      let first = '';
      const task = await runIssue('Continue', [
        (request) => {
          first = JSON.stringify(request.body.messages[0]);
          return fix[0]!;
        },
        fix[1]!,
      ]);
      expect(task.status).toBe('succeeded');
      expect(first).toContain("the repository's setup did not complete");
      expect(first).toContain('failed (exit code 3)');
      expect(first).toContain('libfoo is missing');
      // A setup that failed is not cached.
      expect(await logOf(task)).not.toMatch(/setup cache: saved/);
    },
    SLOW,
  );
});
