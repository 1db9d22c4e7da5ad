/**
 * The `nightshift` command as a newcomer first runs it: `node bin/nightshift.js …` in a folder of
 * its own, against the fake GitHub, the scripted model and a store on dynalite. `run` needs
 * neither --engineer nor --installation, shows the turn the agent is on, and prints no log lines;
 * `tasks` in a folder without Nightshift data says so and leaves nothing behind.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNightshift } from '../support/nightshift-bin.js';
import { ANTHROPIC_KEY, CALC_FILES, REPO, WEBHOOK_SECRET } from '../support/harness.js';
import { type TestStore, startTestStore } from '../support/dynamo.js';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import {
  bash,
  done,
  editor,
  startScriptedModel,
  type ScriptedModel,
} from '../support/scripted-model/index.js';

/** The command with only what a user's shell would hold (no store settings unless given). */
const nightshift = (args: string[], cwd: string, env: Record<string, string | undefined>) =>
  runNightshift(args, { USER: 'root', ...env }, cwd, { clean: true });

describe('the nightshift command, first time', () => {
  let github: FakeGitHub;
  let model: ScriptedModel;
  let db: TestStore;
  let cwd: string;

  beforeAll(async () => {
    [github, model, db] = await Promise.all([startFakeGitHub(), startScriptedModel(), startTestStore()]);
    await github.addRepo({ owner: 'acme', name: 'calc', files: CALC_FILES });
    github.setPermission(REPO, 'alice', 'write');
    cwd = mkdtempSync(join(tmpdir(), 'nightshift-newcomer-'));
  });
  afterAll(async () => {
    await Promise.all([github?.close(), model?.close(), db?.close()]);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('`nightshift run acme/calc --issue N` works without --engineer and --installation, shows the turn, prints no log lines', async () => {
    const issue = github.addIssue(REPO, { title: 'add() is wrong', body: 'add(2, 3) is 5', user: 'alice' });
    // Turns slower than the command's one-second poll, so it sees each.
    const slowly = (step: ReturnType<typeof bash>) => async () => {
      await new Promise((r) => setTimeout(r, 1300));
      return step;
    };
    model.push(
      slowly(editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' })),
      slowly(bash('node test.js')),
      slowly(done('Fixed add().')),
    );
    const result = await nightshift(['run', REPO, '--issue', String(issue.number)], cwd, {
      APP_ID: String(github.appId),
      PRIVATE_KEY: github.privateKey,
      WEBHOOK_SECRET,
      GITHUB_API_URL: github.url,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ANTHROPIC_BASE_URL: model.url,
      ...db.env,
      NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS: '0',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const lines = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.trim());
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(lines[0]).toMatch(new RegExp(`^Task \\w+: acme/calc#${issue.number} for @alice\\.`));
    // While it ran, a line showed a turn the agent had taken.
    const running = lines.filter((l) => l.startsWith('running'));
    expect(
      running.some((l) => /· turn [1-9]/.test(l)),
      running.join('\n'),
    ).toBe(true);
    expect(result.stdout).toMatch(/Task \w+ succeeded after/);
    expect(result.stdout).toContain('Pull request: ');

    const [task] = await db.store.listByRepository(REPO, 1);
    expect(task).toMatchObject({
      engineer: 'alice',
      installationId: github.repo(REPO)?.installationId,
      status: 'succeeded',
    });
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('`nightshift tasks` where there is no Nightshift data says so and creates nothing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'nightshift-elsewhere-'));
    try {
      const result = await nightshift(['tasks'], empty, {});
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('there is no Nightshift data here');
      expect(result.stderr).toContain('NIGHTSHIFT_DATA_DIR');
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
