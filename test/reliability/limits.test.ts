/**
 * The limits a task is given hold as documented: `limits.minutes` is wall clock for the agent's
 * work and its checks together and stops a command that is still running; `setupTimeoutMinutes`
 * is one budget for all setup commands; a task whose checks fail and that changed nothing fails.
 * A "minute" is shortened for these runs (`NIGHTSHIFT_MINUTE_MS`), nothing else differs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CALC_FILES, REPO, startHarness, type Harness } from '../support/harness.js';
import { bash, done } from '../support/scripted-model/index.js';
import { extraRunner, runIssue } from './support.js';

const MINUTE_MS = 1_000;

describe('reliability: limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.deps.runner = extraRunner(h, { NIGHTSHIFT_MINUTE_MS: String(MINUTE_MS) });
  });
  afterAll(async () => {
    await (h.deps.runner as ReturnType<typeof extraRunner>).drain(Number.POSITIVE_INFINITY);
    await h.close();
  });
  afterEach(async () => {
    await h.github.commitFiles(REPO, 'main', {
      '.github/nightshift.yml': CALC_FILES['.github/nightshift.yml']!,
    });
  });

  const configure = (yaml: string) => h.github.commitFiles(REPO, 'main', { '.github/nightshift.yml': yaml });
  const seconds = (from?: string, to?: string) => (Date.parse(to ?? '') - Date.parse(from ?? '')) / 1000;

  it('case 30: a 2-"minute" task whose agent runs `sleep 60` → the command is stopped at the deadline and the task fails "time limit", nothing pushed but the start', async () => {
    await configure('test: node test.js\nlimits:\n  minutes: 2\n');
    const pushes = h.github.pushes.length;
    const { task } = await runIssue(h, 'Slow', [bash('sleep 60; echo finished'), done('Done.')]);
    expect(task.status).toBe('failed');
    expect(task.result?.headline).toMatch(/time limit \(2 minutes\)/);
    // Not the 60 s of the command: the deadline (2 s of work) plus preparing and reporting.
    expect(seconds(task.startedAt, task.finishedAt)).toBeLessThan(15);
    expect(h.github.pushes.length - pushes).toBe(1);
    const requests = JSON.stringify(h.model.requests.at(-1)?.body ?? {});
    expect(requests).not.toContain('finished');
  });

  it('case 31: `setupTimeoutMinutes` is one budget for all setup commands → the second command is cut when it runs out, the third is skipped', async () => {
    await configure(
      'setup:\n  - sleep 1.2; echo first\n  - sleep 30\n  - echo third\nsetupTimeoutMinutes: 2\nsetupFailure: continue\ntest: node test.js\n',
    );
    const { task } = await runIssue(h, 'Setup budget', [
      bash("sed -i 's/a - b/a + b/' math.js && node test.js"),
      done('Fixed add().'),
    ]);
    expect(task.status, task.error).toBe('succeeded');
    const log = (await h.db.store.readLog(task.id)).filter((e) => e.phase === 'setup').map((e) => e.message);
    expect(log).toEqual(
      expect.arrayContaining([
        'sleep 1.2; echo first → exit 0',
        'sleep 30 → timed out',
        'echo third → skipped: the setup time limit was used up',
      ]),
    );
    expect(seconds(task.startedAt, task.finishedAt)).toBeLessThan(20);
  });

  it('case 32: the checks fail and the agent changed nothing → the task fails, it does not end "succeeded"', async () => {
    await configure('test: node test.js\nverifyRounds: 0\n');
    const pushes = h.github.pushes.length;
    const { task } = await runIssue(h, 'Nothing done', [
      bash('node test.js'),
      done('All good, nothing to change.'),
    ]);
    expect(task.status).toBe('failed');
    expect(task.result?.headline).toBe('The checks fail');
    expect(task.error).toMatch(/checks fail and the agent changed nothing/);
    expect(h.github.pushes.length - pushes).toBe(1); // the draft pull request's first commit only
  });
});
