/**
 * The `nightshift` command as a user runs it: `node bin/nightshift.js …` in a child process, against
 * an embedded DynamoDB (dynalite) reached through DYNAMODB_ENDPOINT / TABLE_NAME (and its credential)
 * or .data/endpoint (and .data/store-credentials.json).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNightshift } from '../../support/nightshift-bin.js';
import {
  CREDENTIALS_FILE,
  STORE_KEY_ID_VAR,
  STORE_SECRET_VAR,
  formatCredentialsFile,
} from '../../../core/store/store-credentials.js';
import { type TestStore, startTestStore } from '../../support/dynamo.js';
import { type Seeded, seedTasks } from './seed.js';

let t: TestStore;
let seeded: Seeded;
let cwd: string;

/** The command as a user runs it, against the test's store unless `env` says otherwise. */
const nightshift = (args: string[], env: Record<string, string> = {}, dir = cwd) =>
  runNightshift(args, { ...t.env, ...env }, dir);

beforeAll(async () => {
  t = await startTestStore();
  seeded = await seedTasks(t.store);
  cwd = mkdtempSync(join(tmpdir(), 'nightshift-cli-'));
});

afterAll(async () => {
  await t.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('nightshift --help', () => {
  it('explains every command and option', async () => {
    const { code, stdout } = await nightshift(['--help']);
    expect(code).toBe(0);
    for (const command of [
      'run <owner/repo>',
      'tasks',
      'show <task-id>',
      'cancel <task-id>',
      'help [command]',
    ]) {
      expect(stdout).toContain(command);
    }
    for (const option of [
      '--issue',
      '--pr',
      '--instructions',
      '--engineer',
      '--installation',
      '--repo',
      '--limit',
      '--json',
    ]) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toContain('DYNAMODB_ENDPOINT');
  });

  it.each([
    ['run', ['--issue N', '--pr N', '--instructions TEXT', '--engineer LOGIN', '--installation ID']],
    ['tasks', ['--repo owner/name', '--limit N', '--json']],
    ['show', ['<task-id>', '--json']],
    ['cancel', ['<task-id>']],
  ])('nightshift %s --help explains its options', async (command, options) => {
    const { code, stdout } = await nightshift([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: nightshift ${command}`);
    for (const option of options) expect(stdout).toContain(option);
    expect((await nightshift(['help', command])).stdout).toBe(stdout);
  });

  it('answers a mistake with exit status 2 and a pointer to the help', async () => {
    const unknown = await nightshift(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const bad = await nightshift(['tasks', '--limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--limit must be a whole number');
    expect(bad.stderr).toContain('nightshift tasks --help');
  });
});

describe('nightshift tasks', () => {
  it('prints recent tasks as a table, newest first', async () => {
    const { code, stdout, stderr } = await nightshift(['tasks']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+TARGET\s+TRIGGER\s+WHO\s+STATUS\s+DURATION\s+TURNS\s+TOKENS\s+COST\s+PR$/,
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      new RegExp(`^${seeded.queued.id}\\s+octo/app#13\\s+issue_label\\s+carol\\s+queued`),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${seeded.running.id}\\s+octo/lib!34\\s+pr_comment\\s+bob\\s+running\\s+\\S+\\s+1\\s+350\\s+unknown$`,
      ),
    );
    expect(lines[3]).toMatch(
      new RegExp(
        `^${seeded.succeeded.id}\\s+octo/app#12\\s+issue_label\\s+alice\\s+succeeded\\s+2m 0\\ds\\s+7\\s+12\\.0k\\s+\\$0\\.42\\s+https://github\\.com/octo/app/pull/34$`,
      ),
    );
  });

  it('filters by repository and limits, as a table or JSON', async () => {
    const lib = await nightshift(['tasks', '--repo', 'octo/lib']);
    expect(lib.stdout).toContain('octo/lib!34');
    expect(lib.stdout).not.toContain('octo/app');

    const json = await nightshift(['tasks', '--limit', '1', '--json']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<{ id: string; target: string; status: string }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: seeded.queued.id, target: 'octo/app#13', status: 'queued' });
  });

  it('finds the running server’s store through .data/endpoint, with the credential beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-cli-server-'));
    const noEnv = { DYNAMODB_ENDPOINT: '', [STORE_KEY_ID_VAR]: '', [STORE_SECRET_VAR]: '' };
    try {
      mkdirSync(join(dir, '.data'));
      writeFileSync(join(dir, '.data', 'endpoint'), `${t.endpoint}\n`);
      // Without the credential the server's store refuses the command.
      const refused = await nightshift(['tasks'], noEnv, dir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("the running server's store refused this command's credential");
      writeFileSync(join(dir, '.data', CREDENTIALS_FILE), formatCredentialsFile(t.credentials));
      const { code, stdout } = await nightshift(['tasks'], noEnv, dir);
      expect(code).toBe(0);
      expect(stdout).toContain(seeded.succeeded.id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('nightshift show', () => {
  it('prints the record and the progress log', async () => {
    const { code, stdout } = await nightshift(['show', seeded.succeeded.id]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Task          ${seeded.succeeded.id}\n`);
    expect(stdout).toContain('Target        octo/app#12 (issue #12)\n');
    expect(stdout).toContain('Status        succeeded\n');
    expect(stdout).toContain('Instructions  fix the flaky test\n');
    expect(stdout).toContain(
      'Usage         7 turns · 11.2k input tokens (9.0k from cache) · 800 output tokens · estimated cost $0.42',
    );
    expect(stdout).toContain('Pull request  https://github.com/octo/app/pull/34\n');
    expect(stdout).toContain('Summary       Fixed the flaky test.\n');
    expect(stdout).toMatch(
      /Progress log \(UTC\)\n {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}preparing {2}Cloning octo\/app\n/,
    );
    expect(stdout).toMatch(/ {2}working {4}Ran npm test\n/);
  });

  it('prints JSON with --json', async () => {
    const { stdout } = await nightshift(['show', seeded.succeeded.id, '--json']);
    const { task, log } = JSON.parse(stdout) as { task: { id: string }; log: unknown[] };
    expect(task.id).toBe(seeded.succeeded.id);
    expect(log).toHaveLength(2);
  });

  it('prints the session log with --log, as JSON with --json; --follow with --json is a usage error', async () => {
    const id = seeded.succeeded.id;
    await t.store.appendSessionEntry(id, 0, {
      kind: 'turn',
      at: '2030-01-01T00:00:00.000Z',
      turn: 1,
      text: 'Looking at the test.',
      tokens: { input: 100, output: 20, cacheRead: 0, cacheWrite: 0 },
      durationMs: 1200,
    });
    await t.store.appendSessionEntry(id, 1, {
      kind: 'tool',
      at: '2030-01-01T00:00:01.000Z',
      turn: 1,
      tool: 'bash',
      action: 'bash: npm test',
      result: 'ok',
      isError: false,
      durationMs: 900,
    });
    const text = await nightshift(['show', id, '--log']);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      'Turn 1 · 100 tokens in, 20 out · 1.2 s\n  Looking at the test.\n  $ bash: npm test · 900 ms\n      ok\n',
    );
    const json = await nightshift(['show', id, '--log', '--json']);
    const { session } = JSON.parse(json.stdout) as { session: Array<{ seq: number }> };
    expect(session.map((s) => s.seq)).toEqual([0, 1]);
    const refused = await nightshift(['show', id, '--follow', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--follow prints as the log grows');
    // A finished task: --follow prints what there is and its end.
    const followed = await nightshift(['show', id, '--follow']);
    expect(followed.stdout).toContain('$ bash: npm test');
    expect(followed.stdout.trim().split('\n').at(-1)).toMatch(/^succeeded/);
  });

  it('says so for an unknown task', async () => {
    const { code, stderr } = await nightshift(['show', 'NOPE']);
    expect(code).toBe(1);
    expect(stderr).toContain('no task NOPE');
  });
});

describe('nightshift cancel', () => {
  it('sets the cancel flag of a running task', async () => {
    const { code, stdout } = await nightshift(['cancel', seeded.running.id]);
    expect(code).toBe(0);
    expect(stdout).toContain('stops at the agent');
    expect((await t.store.load(seeded.running.id)).cancelRequested).toBe(true);
  });

  it('tells that a queued task is cancelled when dispatched, and sets the flag', async () => {
    const { code, stdout } = await nightshift(['cancel', seeded.queued.id]);
    expect(code).toBe(0);
    expect(stdout).toContain('will be cancelled when it is dispatched');
    expect((await t.store.load(seeded.queued.id)).cancelRequested).toBe(true);
  });

  it('leaves a finished task alone', async () => {
    const { code, stderr } = await nightshift(['cancel', seeded.succeeded.id]);
    expect(code).toBe(1);
    expect(stderr).toContain('already ended (succeeded)');
    expect((await t.store.load(seeded.succeeded.id)).cancelRequested).toBe(false);
  });
});

describe('nightshift run', () => {
  it('asks for the installation when no task of the repository records one', async () => {
    const { code, stderr } = await nightshift(['run', 'octo/new', '--issue', '1']);
    expect(code).toBe(2);
    expect(stderr).toContain('pass --installation ID');
    expect(await t.store.listByRepository('octo/new')).toEqual([]);
  });
});
