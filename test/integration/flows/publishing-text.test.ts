/**
 * What a person reads of a task's work, through the real path (signed webhook, the agent task as
 * a child process, real git, the scripted model): the branch name, the commit's subject and body,
 * and the files list in the pull request's body and on the check run. The fake GitHub runs on a
 * host of its own, as a GitHub Enterprise Server would, so links must follow GitHub's URLs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffAnchor } from '../../../core/changed-files.js';
import { SUBJECT_MAX } from '../../../core/commit-message.js';
import type { Task } from '../../../core/task.js';
import { CALC_FILES, REPO, startHarness, type Harness } from '../../support/harness.js';
import { bash, done, editor, type ScriptStep } from '../../support/scripted-model/index.js';

const WEB_URL = 'https://ghe.example.test';
const GUIDE = Array.from({ length: 12 }, (_, i) => `Step ${i + 1}: read the code.`).join('\n') + '\n';

describe('what people read: branches, commits and files', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      webUrl: WEB_URL,
      files: { ...CALC_FILES, 'docs/old-notes.txt': 'stale\nnotes\n', 'guide.md': GUIDE },
    });
  });
  afterAll(() => h.close());

  async function runIssue(title: string, steps: ScriptStep[]): Promise<{ task: Task; number: number }> {
    const issue = h.github.addIssue(REPO, { title, body: 'add(2, 3) must be 5', user: 'bob' });
    h.model.push(...steps);
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('issues', payload)).statusCode).toBe(202);
    await h.settle();
    const task = await h.waitForTask(
      (t) => t.target.number === issue.number && ['succeeded', 'failed', 'cancelled'].includes(t.status),
    );
    return { task, number: issue.number };
  }

  async function headCommit(branch: string) {
    const [commit] = await h.github.log(REPO, branch);
    if (!commit) throw new Error(`no commit on ${branch}`);
    return commit;
  }

  /** The summary of the check run `task` ended on (created concluded on its push, or updated). */
  function lastCheckRunSummary(task: Task): string {
    const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
    return run?.output.summary ?? '';
  }

  const fixAdd = editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' });
  let pr: { number: number; headRef: string; url: string };

  it("names the branch at a word, takes the agent's subject line, and lists added/changed/deleted/renamed files", async () => {
    const title =
      'add() returns the difference of its two arguments instead of their sum whenever both of them are positive integers';
    expect(title.length).toBeGreaterThanOrEqual(110);
    const { task, number } = await runIssue(`${title} (calc)`, [
      fixAdd,
      editor({
        command: 'create',
        path: 'lib/sum.js',
        file_text: "const { add } = require('../math');\nmodule.exports = (xs) => xs.reduce(add, 0);\n",
      }),
      bash('rm docs/old-notes.txt && mv guide.md docs/guide.md'),
      bash('node test.js'),
      done(
        [
          'Fixed add() so that it adds instead of subtracting',
          '',
          'math.js subtracted its arguments; it now adds them. Added lib/sum.js, moved the guide',
          'under docs/ and removed the stale notes.',
          '',
          '`node test.js` passes.',
        ].join('\n'),
      ),
    ]);
    expect(task.status).toBe('succeeded');
    expect(task.branch).toBe(`nightshift/issue-${number}-add-returns-the-difference-of-its-two`);

    const commit = await headCommit(task.branch ?? '');
    const [subject, ...rest] = commit.message.trimEnd().split('\n');
    expect(subject).toBe(`Fix add() so that it adds instead of subtracting (#${number})`);
    expect(Array.from(subject ?? '').length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(rest.join('\n')).toBe(
      [
        '',
        'math.js subtracted its arguments; it now adds them. Added lib/sum.js, moved the guide',
        'under docs/ and removed the stale notes.',
        '',
        '`node test.js` passes.',
        '',
        `Refs #${number}`,
        '',
        'Co-authored-by: alice <alice@users.noreply.github.com>',
      ].join('\n'),
    );

    const opened = h.github.pullRequests(REPO).find((p) => p.headRef === task.branch);
    if (!opened) throw new Error('no pull request');
    const url = `${WEB_URL}/${REPO}/pull/${opened.number}`;
    pr = { number: opened.number, headRef: opened.headRef, url };
    const link = (path: string) => `${url}/files#${diffAnchor(path)}`;
    const list = [
      '4 files, +3 -3 lines: 1 added, 1 changed, 1 deleted, 1 renamed.',
      '',
      `- [\`guide.md\` → \`docs/guide.md\`](${link('docs/guide.md')}) renamed, +0 -0`,
      `- [\`docs/old-notes.txt\`](${link('docs/old-notes.txt')}) deleted, +0 -2`,
      `- [\`lib/sum.js\`](${link('lib/sum.js')}) added, +2 -0`,
      `- [\`math.js\`](${link('math.js')}) changed, +1 -1`,
    ].join('\n');
    const body = h.github.issue(REPO, opened.number)?.body ?? '';
    expect(body).toContain(`## Files changed\n\n${list}\n`);
    expect(body).not.toMatch(/^- `[AMDR]\s/m);
    const summary = lastCheckRunSummary(task);
    expect(summary).toContain(`**Files changed**\n\n${list}`);
    expect(summary).not.toMatch(/[AMDR]\t/);
    expect(JSON.stringify(h.github.calls.map((c) => c.body))).not.toContain('https://github.com/acme');
  });

  it('sanitizes a hostile summary line: no CI skip, no mention, no planted trailer; brackets and unicode in the branch', async () => {
    const { task, number } = await runIssue("[Bug] “add()” returns 'the difference' — café ☕ (regression)", [
      fixAdd,
      done(
        [
          'Fix add() [skip ci] for @mallory\u202E',
          '',
          'Done as @mallory asked.',
          '',
          'Co-authored-by: mallory <mallory@example.com>',
        ].join('\n'),
      ),
    ]);
    expect(task.status).toBe('succeeded');
    expect(task.branch).toBe(`nightshift/issue-${number}-bug-add-returns-the-difference-cafe`);
    const { message } = await headCommit(task.branch ?? '');
    expect(message.split('\n')[0]).toBe(`Fix add() (skip ci) for \`@mallory\` (#${number})`);
    expect(message).not.toMatch(/\[skip ci\]|\u202E|(^|[^`])@mallory/);
    expect(message.split('\n').filter((l) => /^co-authored-by:/i.test(l))).toEqual([
      'Co-authored-by: alice <alice@users.noreply.github.com>',
    ]);
  });

  it('falls back to the issue title, cut at a word, when the agent gives no subject line', async () => {
    const title = "camelCase('b2b_registration_request') returns 'b2BRegistrationRequest'";
    const { task, number } = await runIssue(title, [fixAdd, done('Fixed add().')]);
    expect(task.status).toBe('succeeded');
    expect(task.branch).toBe(`nightshift/issue-${number}-camelcase-b2b-registration-request`);
    const { message } = await headCommit(task.branch ?? '');
    expect(message.trimEnd()).toBe(
      `camelCase('b2b_registration_request') returns… (#${number})\n\nFixed add().\n\nRefs #${number}\n\n` +
        'Co-authored-by: alice <alice@users.noreply.github.com>',
    );
  });

  it('refuses to push when the summary holds a token, and posts the token nowhere', async () => {
    const token = `ghp_${'A1b2C3d4E5'.repeat(3)}abcdef`;
    const { task } = await runIssue('Leaky summary', [fixAdd, done(`Fix add()\n\nUsed ${token} to check.`)]);
    expect(task.status).toBe('failed');
    expect(task.error ?? '').toMatch(/Nothing was committed or pushed/);
    const commits = await h.github.log(REPO, task.branch ?? '');
    expect(commits.map((c) => c.message).join('\n')).not.toContain(token);
    expect(JSON.stringify(h.github.calls.map((c) => c.body))).not.toContain(token);
  });

  it('/agent fix on the pull request: the subject says what was asked; the check run lists the files', async () => {
    const before = new Set((await h.tasks()).map((t) => t.id));
    h.model.push(
      editor({ command: 'create', path: 'lib/strings.js', file_text: 'module.exports = Number;\n' }),
      done('Done.'),
    );
    const comment = h.github.addComment(REPO, pr.number, {
      body: '/agent fix make add() accept numeric strings',
      user: 'alice',
    });
    await h.deliver(
      'issue_comment',
      await h.payload('issue_comment', 'created', {
        issue: { number: pr.number },
        comment: { id: comment.id },
        sender: { login: 'alice' },
      }),
    );
    await h.settle();
    const task = (await h.tasks()).find((t) => !before.has(t.id));
    expect(task?.status).toBe('succeeded');
    const { message } = await headCommit(pr.headRef);
    expect(message.trimEnd()).toBe(
      'Make add() accept numeric strings\n\nDone.\n\nCo-authored-by: alice <alice@users.noreply.github.com>',
    );
    expect(lastCheckRunSummary(task as Task)).toContain(
      `- [\`lib/strings.js\`](${pr.url}/files#${diffAnchor('lib/strings.js')}) added, +1 -0`,
    );
  });
});
