/**
 * What became of Nightshift's pull requests, through the real path: two issues labelled, their
 * tasks open two pull requests (the real agent, git and the fake GitHub), a person pushes to one,
 * GitHub's signed `pull_request` events close one merged and one not, and `nightshift stats --json`
 * (the real command, in a child process, on the same store) gives a 50% merge rate and the time to
 * merge. Abuse: an unsigned event changes nothing, and neither does a closed event for a pull
 * request Nightshift did not open, even on a branch named like Nightshift's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeStats } from '../../../core/status/outcome-stats.js';
import { renderStatusPage } from '../../../core/status/render-status-page.js';
import { isTerminal, type Task } from '../../../core/task.js';
import { REPO, startHarness, type Harness } from '../../support/harness.js';
import { runNightshift } from '../../support/nightshift-bin.js';
import { bash, done } from '../../support/scripted-model/index.js';

describe('outcomes of Nightshift pull requests', () => {
  let h: Harness;
  let cwd: string;
  const opened: Array<{ task: Task; pr: number }> = [];

  beforeAll(async () => {
    h = await startHarness();
    cwd = mkdtempSync(join(tmpdir(), 'nightshift-stats-'));
    for (const n of [1, 2]) {
      const issue = h.github.addIssue(REPO, {
        title: `Add notes ${n}`,
        body: 'Add a notes file.',
        user: 'bob',
      });
      // The repository's test (add() subtracts) must pass, so each task fixes it too.
      h.model.push(
        bash(`echo note ${n} > notes-${n}.md && sed -i 's/a - b/a + b/' math.js`),
        done(`Added notes-${n}.md and fixed add().`),
      );
      const payload = await h.payload('issues', 'labeled', {
        issue: { number: issue.number },
        label: { name: 'agent' },
        sender: { login: 'alice' },
      });
      expect((await h.deliver('issues', payload)).body.status).toBe('created');
      await h.settle();
      const task = await h.waitForTask((t) => t.target.number === issue.number && isTerminal(t.status));
      expect([task.status, task.error]).toEqual(['succeeded', undefined]);
      opened.push({ task, pr: task.result!.pullRequestNumber! });
    }
  }, 120_000);
  afterAll(async () => {
    await h.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const closedPayload = (number: number, merged: boolean, at: string, sender = 'alice') =>
    h.payload('pull_request', 'closed', {
      number,
      pull_request: { number, state: 'closed', merged, merged_at: merged ? at : null, closed_at: at },
      sender: { login: sender, type: 'User' },
    });

  it('records the pull requests the tasks opened', async () => {
    for (const { task, pr } of opened) {
      expect(await h.db.store.pullRequest(REPO, pr)).toMatchObject({
        repository: REPO,
        number: pr,
        issueNumber: task.target.number,
        engineer: 'alice',
        requester: 'alice',
        firstTaskId: task.id,
        state: 'open',
      });
    }
  });

  it('changes nothing for an unsigned or wrongly signed event', async () => {
    const [first] = opened;
    const payload = await closedPayload(first!.pr, true, new Date().toISOString());
    const forged = await h.deliver('pull_request', payload, { secret: 'not-the-secret' });
    expect(forged.statusCode).toBe(401);
    expect((await h.db.store.pullRequest(REPO, first!.pr))?.state).toBe('open');
  });

  it('records nothing for a pull request Nightshift did not open, whatever its branch is called', async () => {
    for (const head of ['feature/by-hand', 'nightshift/looks-like-ours']) {
      await h.github.commitFiles(REPO, head, { 'x.md': head }, 'By hand');
      const pr = await h.github.addPullRequest(REPO, { head, title: 'By hand', user: 'carol' });
      const answer = await h.deliver(
        'pull_request',
        await closedPayload(pr.number, true, new Date().toISOString()),
      );
      expect(answer.body).toMatchObject({
        status: 'ignored',
        reason: 'not a pull request Nightshift opened',
      });
      expect(await h.db.store.pullRequest(REPO, pr.number)).toBeUndefined();
    }
  });

  it('records a merge and a close, and nightshift stats --json gives a 50% merge rate and the time to merge', async () => {
    const [merged, closed] = opened;
    // A person pushes to the first; Nightshift's own pushes are a bot's, not counted.
    const push = await h.payload('pull_request', 'synchronize', {
      number: merged!.pr,
      pull_request: { number: merged!.pr },
      sender: { login: 'alice', type: 'User' },
    });
    expect((await h.deliver('pull_request', push)).body.status).toBe('recorded');

    const mergedAt = new Date(Date.parse(merged!.task.createdAt) + 90 * 60_000).toISOString();
    const answer = await h.deliver('pull_request', await closedPayload(merged!.pr, true, mergedAt));
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'recorded' } });
    const closedAt = new Date(Date.parse(closed!.task.createdAt) + 60_000).toISOString();
    await h.deliver('pull_request', await closedPayload(closed!.pr, false, closedAt));

    expect(await h.db.store.pullRequest(REPO, merged!.pr)).toMatchObject({
      state: 'merged',
      mergedAt,
      timeToMergeMs: 90 * 60_000,
      tasks: 1,
      ciFixRounds: 0,
      peoplePushed: true,
    });
    expect(await h.db.store.pullRequest(REPO, closed!.pr)).toMatchObject({ state: 'closed', closedAt });

    const result = await runNightshift(['stats', '--json', '--since', '1d'], h.db.env, cwd);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const stats = JSON.parse(result.stdout) as OutcomeStats;
    const spend = opened.reduce((sum, { task }) => sum + (task.usage.costUsd ?? 0), 0);
    expect(stats.total).toMatchObject({
      tasks: { succeeded: 2, failed: 0, cancelled: 0 },
      pullRequests: { opened: 2, merged: 1, closedUnmerged: 1 },
      mergeRate: 0.5,
      medianTimeToMergeMs: 90 * 60_000,
    });
    expect(stats.total.spendUsd).toBeCloseTo(spend, 10);
    expect(stats.total.costPerMergedPullRequestUsd).toBeCloseTo(spend, 10);
    expect(stats.byRepository.map((l) => [l.key, l.mergeRate])).toEqual([[REPO, 0.5]]);
    expect(stats.byEngineer.map((l) => [l.key, l.pullRequests.merged])).toEqual([['alice', 1]]);

    const text = await runNightshift(['stats', '--repo', REPO], h.db.env, cwd);
    expect(text.stdout).toMatch(
      /acme\/calc\s+2 succeeded · 0 failed · 0 cancelled\s+2\s+1\s+1\s+50%\s+1h 30m/,
    );

    const page = renderStatusPage(await h.tasks(), new Date(), {
      pullRequests: await h.db.store.listPullRequests(new Date(Date.now() - 86_400_000).toISOString()),
    });
    expect(page).toContain('Outcomes (last 30 days)');
    expect(page).toMatch(/<td class="num">50%<\/td><td class="num">1h 30m<\/td>/);
  });
});
