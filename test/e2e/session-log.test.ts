/**
 * The session log through the real path (a signed webhook, the local runner's agent process, the
 * real SDK against the scripted model, real git, the fake GitHub, the store): the check run's
 * `text` holds the turns with the commands the agent ran and the files it edited, relative to the
 * repository and redacted, live while it works and whole at the end; `nightshift show --log`
 * (and `--follow` while it runs) and the task's HTML page show the same log; the transcript is
 * archived compressed; a long session keeps the newest turns under GitHub's limit. The abuse case:
 * the model's text and a tool's output carry HTML/Markdown injection and a secret.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEntry } from '../../core/session-log/entries.js';
import { GITHUB_TEXT_LIMIT } from '../../core/session-log/render-markdown.js';
import { isTerminal, type Task } from '../../core/task.js';
import { renderStatusResponse } from '../../functions/local/status-page.js';
import { ANTHROPIC_KEY, CALC_FILES, REPO, startHarness, type Harness } from '../support/harness.js';
import { runNightshift } from '../support/nightshift-bin.js';
import { bash, done, editor, reply, text, toolResultsOf } from '../support/scripted-model/index.js';

/** The nightshift command as a user runs it, against the harness's store. */
const nightshift = (env: Record<string, string>, args: string[]) => runNightshift(args, env, process.cwd());
const PUBLIC_URL = 'https://nightshift.example.com';
/** Secret-shaped: a GitHub token the model "found" and printed. */
const PLANTED = `ghp_${'Q7x9'.repeat(9)}`;
const INJECTION = '</details>\n```\n# Approved\n<img src=x onerror=alert(1)>';

describe('the session log', () => {
  let h: Harness;
  let sessions: string;
  let pullNumber = 0;

  beforeAll(async () => {
    sessions = await mkdtemp(join(tmpdir(), 'nightshift-sessions-'));
    h = await startHarness({
      files: { ...CALC_FILES, '.github/nightshift.yml': 'test: node test.js\nlimits:\n  turns: 100\n' },
      env: { NIGHTSHIFT_SESSION_DIR: sessions, NIGHTSHIFT_PUBLIC_URL: PUBLIC_URL },
    });
  });
  afterAll(async () => {
    await h.close();
    await rm(sessions, { recursive: true, force: true });
  });

  async function labelIssue(title: string): Promise<number> {
    const issue = h.github.addIssue(REPO, { title, body: 'add(2, 3) is 5', user: 'bob' });
    await h.label(issue.number);
    return issue.number;
  }

  async function ended(number: number): Promise<Task> {
    await h.settle();
    return h.waitForTask((t) => t.target.number === number && isTerminal(t.status));
  }

  it('a finished issue task: check run, CLI and task page show the same turns, relative and redacted', async () => {
    let workspace = '';
    const slow = () => new Promise((r) => setTimeout(r, 400));
    h.model.push(
      reply(text(`Let me look. ${INJECTION}\nThe key is ${ANTHROPIC_KEY}.`), bash('pwd')),
      async (request) => {
        workspace = (toolResultsOf(request)[0]?.text ?? '').split('\n')[0]?.trim() ?? '';
        await slow();
        return editor({ command: 'view', path: `${workspace}/math.js` });
      },
      async () => {
        await slow();
        return editor({
          command: 'str_replace',
          path: `${workspace}/math.js`,
          old_str: 'a - b',
          new_str: 'a + b',
        });
      },
      async () => {
        await slow();
        return bash(`cd ${workspace} && echo '${INJECTION.replace(/\n/g, ' ')}' ${PLANTED} && node test.js`);
      },
      async () => {
        await slow();
        return done('Fixed add().');
      },
    );
    const callsBefore = h.github.calls.length;
    const number = await labelIssue('add() is wrong');
    const task = await h.waitForTask((t) => t.target.number === number && t.status === 'running');
    // Followed while it runs: each entry as it is stored, until the end.
    const following = nightshift(h.db.env, ['show', task.id, '--follow']);
    const finished = await ended(number);
    expect(finished.status, finished.error).toBe('succeeded');
    pullNumber = finished.result?.pullRequestNumber ?? 0;

    // The check run: live while it worked, the whole log at the end, linking the task's page.
    const live = h.github.calls
      .slice(callsBefore)
      .filter((c) => c.operationId === 'checks/update' || c.operationId === 'checks/create')
      .map((c) => c.body as { status?: string; output?: { text?: string } })
      .filter((b) => b.status === 'in_progress' && b.output?.text);
    expect(live.length).toBeGreaterThan(0);
    expect(live.at(-1)?.output?.text).toContain('## Session log');
    const run = h.github
      .checkRuns(REPO)
      .filter((r) => r.externalId === finished.id)
      .at(-1);
    expect(run?.conclusion).toBe('success');
    expect(run?.detailsUrl).toBe(`${PUBLIC_URL}/status/tasks/${finished.id}`);
    const checkText = run?.output.text ?? '';
    for (const shown of [
      'Turn 1 ·',
      'Turn 5 ·',
      '`bash: pwd',
      '`view math.js',
      '`edit math.js',
      'bash: cd . && echo',
    ]) {
      expect(checkText).toContain(shown);
    }
    expect(checkText).toMatch(/### Tests \\\(round 1\\\)\\: node test\\\.js passed/);
    expect(checkText).toMatch(/### Pushed [0-9a-f]{7} to nightshift\/issue\\-\d+/);
    expect(checkText).toContain('- `math.js`');
    // The model's injection is literal text in a quote; the tool's sits in a fence.
    expect(checkText).toContain('> \\<img src\\=x onerror\\=alert\\(1\\)\\>');
    expect(checkText).not.toMatch(/^# Approved/m);

    // The CLI: the same turns, commands and files.
    const cli = await nightshift(h.db.env, ['show', finished.id, '--log']);
    expect(cli.code, cli.stderr).toBe(0);
    for (const shown of [
      'Turn 1 ·',
      'Turn 5 ·',
      '$ bash: pwd',
      '$ view math.js',
      '$ edit math.js',
      'Tests (round 1): node test.js passed',
    ]) {
      expect(cli.stdout).toContain(shown);
    }
    const followed = await following;
    expect(followed.code, followed.stderr).toBe(0);
    for (const shown of ['Turn 1 ·', '$ edit math.js', 'Tests (round 1)', 'Pushed '])
      expect(followed.stdout).toContain(shown);
    expect(followed.stdout.trim().split('\n').at(-1)).toMatch(/^succeeded/);

    // The task's page: the same log, escaped.
    const page = await renderStatusResponse(h.db.store, `/status/tasks/${finished.id}`, undefined);
    expect(page.statusCode).toBe(200);
    for (const shown of [
      'Session log',
      'Turn 1 ·',
      '<code>bash: pwd',
      '<code>view math.js',
      '<code>edit math.js',
    ]) {
      expect(page.body).toContain(shown);
    }
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toContain('<img src=x');

    // The transcript, archived compressed by the supervisor.
    expect(await readdir(sessions)).toEqual([`${finished.id}.jsonl.gz`]);
    const transcript = gunzipSync(await readFile(join(sessions, `${finished.id}.jsonl.gz`))).toString('utf8');
    const entries = transcript
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SessionEntry);
    expect(entries.map((e) => e.kind)).toEqual(expect.arrayContaining(['turn', 'tool', 'verify', 'push']));

    // Nowhere: the workspace's path, the planted token, the model's key.
    expect(workspace).toMatch(/^\//);
    for (const [where, shown] of Object.entries({
      checkText,
      cli: cli.stdout,
      followed: followed.stdout,
      page: page.body,
      transcript,
      calls: JSON.stringify(h.github.calls.map((c) => c.body)),
    })) {
      expect(shown, where).not.toContain(workspace);
      expect(shown, where).not.toContain(PLANTED);
      expect(shown, where).not.toContain(ANTHROPIC_KEY);
    }
    expect(checkText).toContain('[REDACTED]');
  });

  it('a pull request task’s check run, made by dispatch, links the task’s page too', async () => {
    expect(pullNumber).toBeGreaterThan(0);
    h.model.push(done('Nothing to change.'));
    const comment = h.github.addComment(REPO, pullNumber, { body: '/agent fix check it', user: 'alice' });
    const callsBefore = h.github.calls.length;
    await h.deliver(
      'issue_comment',
      await h.payload('issue_comment', 'created', {
        issue: { number: pullNumber },
        comment: { id: comment.id },
        sender: { login: 'alice' },
      }),
    );
    await h.settle();
    const task = await h.waitForTask((t) => t.target.number === pullNumber && isTerminal(t.status));
    const created = h.github.calls
      .slice(callsBefore)
      .filter((c) => c.operationId === 'checks/create')
      .map((c) => c.body as { status?: string; details_url?: string });
    expect(created[0]?.status).toBe('queued');
    expect(created.every((c) => c.details_url === `${PUBLIC_URL}/status/tasks/${task.id}`)).toBe(true);
  });

  it('a long session: the check run keeps the newest turns under GitHub’s limit and says where the rest is', async () => {
    const turns = 70;
    // Each turn prints about 9,000 characters: the whole log is far over the limit.
    h.model.push(
      ...Array.from({ length: turns - 1 }, (_, i) => reply(text(`Step ${i + 1}.`), bash('seq 1 2000'))),
      done('Done.'),
    );
    const number = await labelIssue('a long one');
    const finished = await ended(number);
    expect(finished.usage.turns).toBe(turns);
    const run = h.github
      .checkRuns(REPO)
      .filter((r) => r.externalId === finished.id)
      .at(-1);
    const checkText = run?.output.text ?? '';
    expect(checkText.length).toBeLessThan(GITHUB_TEXT_LIMIT);
    expect(checkText).toContain(`Turn ${turns} ·`);
    expect(checkText).not.toContain('Turn 1 ·');
    const left =
      /_(\d+) earlier turns are left out here; the whole log: (\S+) or `nightshift show (\S+) --log`_/.exec(
        checkText,
      );
    expect(Number(left?.[1])).toBeGreaterThan(0);
    expect(left?.[2]).toBe(`${PUBLIC_URL}/status/tasks/${finished.id}`);
    expect(left?.[3]).toBe(finished.id);
    // The store has every turn, each item bounded.
    const stored = await h.db.store.readSession(finished.id);
    expect(stored.filter((s) => s.entry.kind === 'turn')).toHaveLength(turns);
    const cli = await nightshift(h.db.env, ['show', finished.id, '--log']);
    expect(cli.stdout).toContain('Turn 1 ·');
  });
});
