/**
 * Who pays: bob's `/agent fix` on alice's pull request is charged to bob (the requester), while the
 * pull request stays alice's (its responsible engineer); `nightshift tasks`, the status page and
 * the spend per person show both. Signed webhook in, the real agent and SDK, the store on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatusPage } from '../../../core/status/render-status-page.js';
import { spendSummary } from '../../../core/status/spend-summary.js';
import { isTerminal } from '../../../core/task.js';
import { listTaskRows } from '../../../cli/tasks.js';
import { REPO, startHarness, type Harness } from '../../support/harness.js';
import { commentAs } from '../../reliability/support.js';
import { bash, done } from '../../support/scripted-model/index.js';

describe('who pays for a task', () => {
  let h: Harness;
  let pr: number;
  beforeAll(async () => {
    h = await startHarness();
    h.github.setPermission(REPO, 'bob', 'write');
    const branch = 'nightshift/issue-5-alice';
    await h.github.commitFiles(REPO, branch, { 'notes.md': 'alice\n' }, 'Start');
    pr = (await h.github.addPullRequest(REPO, { head: branch, title: 'Alice’s change', user: 'alice' }))
      .number;
    // Nightshift opened it for alice: she answers for it.
    await h.db.store.claimEngineer(REPO, pr, 'alice');
  });
  afterAll(() => h.close());

  it("charges bob's /agent fix on alice's pull request to bob", async () => {
    h.model.push(bash('ls'), done('Looked; nothing to change.'));
    const { answer } = await commentAs(h, 'bob', '/agent fix have a look', pr);
    expect(answer.body.status).toBe('created');
    await h.settle();
    const task = await h.waitForTask((t) => isTerminal(t.status));
    expect(task).toMatchObject({ engineer: 'alice', requester: 'bob', trigger: { sender: 'bob' } });
    expect(task.usage.costUsd).toBeGreaterThan(0);

    const spend = spendSummary(await h.tasks(), new Date());
    expect(spend.byEngineer.map((line) => line.key)).toEqual(['bob']);
    expect(spend.byEngineer[0]?.last30Days.costUsd).toBe(task.usage.costUsd);

    const [row] = await listTaskRows(h.db.store, { limit: 5, json: true }, new Date());
    expect(row).toMatchObject({ engineer: 'alice', requester: 'bob', who: 'alice (asked by bob)' });
    expect(renderStatusPage(await h.tasks(), new Date())).toContain('alice (asked by bob)');
    // The pull request stays alice's: nobody else is assigned to it.
    expect(h.github.issue(REPO, pr)?.assignees ?? []).not.toContain('bob');
  });
});
