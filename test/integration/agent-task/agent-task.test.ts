/**
 * The agent-task program, run for real as a child process against the fake GitHub, the scripted
 * model and a bare repository holding a small project with a failing test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../core/task.js';
import { ANTHROPIC_KEY, REPO, WEBHOOK_SECRET, startHarness, type Harness } from '../../support/harness.js';
import { bash, done, editor, type ScriptStep } from '../../support/scripted-model/index.js';

describe('the agent task', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** Label a new issue and run its task to the end. */
  async function runIssue(title: string, steps: ScriptStep[]): Promise<{ task: Task; number: number }> {
    const issue = h.github.addIssue(REPO, { title, body: 'add(2, 3) must be 5', user: 'bob' });
    h.model.push(...steps);
    expect((await h.label(issue.number)).statusCode).toBe(202);
    await h.settle();
    const task = await h.waitForTask(
      (t) => t.target.number === issue.number && ['succeeded', 'failed', 'cancelled'].includes(t.status),
    );
    return { task, number: issue.number };
  }

  const fix = [
    editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
    bash('node test.js'),
    done('Fixed add().'),
  ];

  it('keeps every secret out of the tools, the model requests and everything posted', async () => {
    const { task } = await runIssue('Secrets', [
      bash('env'),
      bash('cat .git/config; git config --list --show-origin'),
      bash(
        'cat /proc/$PPID/environ; for f in /proc/[0-9]*/environ; do cat "$f" 2>/dev/null | tr "\\0" "\\n"; done; id -u',
      ),
      bash('cat /proc/1/cmdline; ps aux 2>/dev/null | head -50'),
      ...fix,
    ]);
    expect(task.status).toBe('succeeded');
    const tokens = [...h.github.state.tokens.keys()];
    expect(tokens.length).toBeGreaterThan(0);
    const sentToModel = JSON.stringify(h.model.requests.map((r) => r.body));
    const postedToGitHub = JSON.stringify(h.github.calls.map((c) => c.body));
    const privateKeyBody = h.github.privateKey.split('\n')[1] ?? 'missing';
    for (const secret of [ANTHROPIC_KEY, WEBHOOK_SECRET, privateKeyBody, ...tokens]) {
      expect(sentToModel).not.toContain(secret);
      expect(postedToGitHub).not.toContain(secret);
    }
    // The tools ran as an unprivileged user and saw a clean environment.
    const envOutput = h.model.requests.map((r) => JSON.stringify(r.body.messages)).join('');
    expect(envOutput).not.toContain('ANTHROPIC_API_KEY');
    expect(envOutput).not.toContain('PRIVATE_KEY=');
    expect(envOutput).toContain('[core]');
  });

  it('sends a failing test command back to the model after "done", which then fixes it', async () => {
    const { task, number } = await runIssue('Verify', [
      done('I looked around; it should be fine.'),
      (request) => {
        const last = JSON.stringify(request.body.messages.at(-1));
        expect(last).toContain('node test.js');
        expect(last).toMatch(/AssertionError|Expected values/);
        return editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' });
      },
      done('Fixed add() after the test failed.'),
    ]);
    expect(task.status).toBe('succeeded');
    const pr = h.github
      .pullRequests(REPO)
      .find((p) => h.github.issue(REPO, p.number)?.body?.includes(`Closes #${number}`));
    expect(await h.github.readFile(REPO, pr?.headRef ?? '', 'math.js')).toContain('a + b');
  });

  it('retries two 529 answers and succeeds', async () => {
    const { task } = await runIssue('Overloaded', [{ error: 529 }, { error: 529 }, ...fix]);
    expect(task.status).toBe('succeeded');
  });

  it('cuts a 1 MB command output before it reaches the model', async () => {
    let seen = '';
    const { task } = await runIssue('Big output', [
      bash("head -c 1000000 /dev/zero | tr '\\0' 'x'"),
      (request) => {
        seen = JSON.stringify(request.body.messages.at(-1));
        return fix[0] as ScriptStep;
      },
      ...fix.slice(1),
    ]);
    expect(task.status).toBe('succeeded');
    expect(seen.length).toBeLessThan(60_000);
    expect(seen).toMatch(/characters .*cut/);
  });

  /** Git saw the branch made with its starting commit, then deleted with its draft: no work pushed. */
  function onlyTheStartingCommit(task: Task): void {
    const pushes = h.github.pushes.filter((p) => p.ref === `refs/heads/${task.branch}`);
    expect(pushes.map((p) => [p.created, p.deleted])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(pushes[0]?.newSha).toBe(task.result?.draftOpened?.startingCommitSha);
    expect(h.github.issue(REPO, task.result?.pullRequestNumber ?? 0)?.state).toBe('closed');
  }

  it('at the turn limit ends failed with a summary and pushes nothing of the half-done work', async () => {
    await h.github.commitFiles(
      REPO,
      'main',
      { '.github/nightshift.yml': 'test: node test.js\nlimits:\n  turns: 2\n' },
      'Two turns',
    );
    const mainBefore = await h.github.branchSha(REPO, 'main');
    try {
      const { task } = await runIssue('Limit', [
        editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a * b' }),
        bash('node test.js'),
      ]);
      expect(h.model.remaining).toBe(0);
      expect(task.status).toBe('failed');
      expect(task.error).toMatch(/turn limit \(2\)/);
      const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
      expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
      expect(run?.output.summary).toMatch(/Nothing was pushed/);
      expect(await h.github.branchSha(REPO, 'main')).toBe(mainBefore);
      onlyTheStartingCommit(task);
    } finally {
      await h.github.commitFiles(
        REPO,
        'main',
        { '.github/nightshift.yml': 'test: node test.js\n' },
        'Back to defaults',
      );
    }
  });

  it('stops at the cancel flag between turns: cancelled, nothing more pushed', async () => {
    let taskId = '';
    const { task } = await runIssue('Cancel', [
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      async () => {
        const running = (await h.tasks()).find((t) => t.status === 'running');
        taskId = running?.id ?? '';
        await h.db.store.requestCancel(taskId);
        return bash('node test.js');
      },
    ]);
    expect(task.id).toBe(taskId);
    expect(task.status).toBe('cancelled');
    const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    onlyTheStartingCommit(task);
    expect(h.model.remaining).toBe(0);
  });
});
