/**
 * The status page's outcome section (functions/local/status-page.ts over the store): the figures
 * of the last 30 days per repository and person, and on the dashboard only those of repositories
 * the reader can read.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_USAGE } from '../../../core/task.js';
import { renderStatusResponse } from '../../../functions/local/status-page.js';
import { storesForFile } from '../../support/store-fixtures.js';

const fresh = storesForFile();

describe('the status page’s outcome section', () => {
  it('counts what the reader may read, and nothing of a repository they cannot', async () => {
    const { store } = await fresh();
    const now = new Date();
    for (const repository of ['octo/open', 'octo/secret']) {
      const task = await store.create({
        repository,
        installationId: 1,
        target: { kind: 'issue', number: 1 },
        trigger: { kind: 'issue_label', text: '' },
        engineer: 'alice',
        requester: 'alice',
      });
      await store.update(task, { usage: { ...EMPTY_USAGE, costUsd: 2, turns: 1 } });
      await store.recordPullRequestOpened({
        repository,
        number: 2,
        issueNumber: 1,
        engineer: 'alice',
        requester: 'alice',
        firstTaskId: task.id,
        firstTaskAt: task.createdAt,
        openedAt: now.toISOString(),
      });
      await store.recordPullRequestClosed(repository, 2, {
        merged: true,
        closedAt: now.toISOString(),
        mergedAt: now.toISOString(),
        timeToMergeMs: 5 * 60_000,
      });
    }
    const everything = (await renderStatusResponse(store, '/status', undefined, now)).body;
    expect(everything).toContain('Outcomes (last 30 days)');
    expect(everything).toContain('<td>octo/secret</td>');

    const filtered = (
      await renderStatusResponse(store, '/status', undefined, now, { canRead: (r) => r === 'octo/open' })
    ).body;
    const section = filtered.slice(filtered.indexOf('Outcomes (last 30 days)'));
    expect(section).toContain('<td>octo/open</td>');
    expect(filtered).not.toContain('octo/secret');
    // alice's line counts only what the reader may see: one pull request, merged, $2.00.
    expect(section).toMatch(/<td>alice<\/td><td>[^<]*<\/td><td class="num">1<\/td><td class="num">1<\/td>/);
    expect(section).toContain('<td class="num">$2.00</td>');
  });
});
