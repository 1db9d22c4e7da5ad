/** The outcome figures (core/status/outcome-stats.ts) and their cells: pure, no store. */
import { describe, expect, it } from 'vitest';
import type { PullRequestRecord } from '../../../core/pull-request-outcome.js';
import { outcomeCells } from '../../../core/status/outcome-cells.js';
import { median, outcomeStats } from '../../../core/status/outcome-stats.js';
import { ago, task, usage } from '../../support/task-fixture.js';

const HOUR = 3_600_000;
const pull = (overrides: Partial<PullRequestRecord>): PullRequestRecord => ({
  repository: 'octo/app',
  number: 1,
  issueNumber: 12,
  engineer: 'alice',
  requester: 'alice',
  firstTaskId: 'T',
  firstTaskAt: ago(2),
  openedAt: ago(2),
  state: 'open',
  ...overrides,
});

describe('outcome figures', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([])).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('counts tasks and spend for who asked, pull requests for their engineer, within the period', () => {
    const stats = outcomeStats(
      [
        task({ requester: 'bob', engineer: 'alice', usage: usage({ costUsd: 1 }) }),
        task({ status: 'failed', usage: usage({ costUsd: 2 }) }),
        task({ status: 'cancelled', result: { refused: true }, usage: usage({ costUsd: 0 }) }),
        task({ usage: usage({ costUsd: null }) }),
        task({ createdAt: ago(40), usage: usage({ costUsd: 100 }) }),
        task({ repository: 'octo/other', usage: usage({ costUsd: 4 }) }),
      ],
      [
        pull({ number: 1, state: 'merged', timeToMergeMs: 2 * HOUR }),
        pull({ number: 2, state: 'merged', timeToMergeMs: 4 * HOUR }),
        pull({ number: 3, state: 'closed' }),
        pull({ number: 4 }),
        pull({ number: 5, openedAt: ago(40), state: 'closed' }),
      ],
      { since: ago(30), repository: 'Octo/App' },
    );
    expect(stats.total).toEqual({
      key: 'all',
      tasks: { succeeded: 2, failed: 1, cancelled: 0, refused: 1, running: 0 },
      pullRequests: { opened: 4, merged: 2, closedUnmerged: 1, open: 1 },
      mergeRate: 2 / 3,
      medianTimeToMergeMs: 3 * HOUR,
      spendUsd: 3,
      unknownCostTasks: 1,
      costPerMergedPullRequestUsd: 1.5,
    });
    expect(stats.byEngineer.map((l) => [l.key, l.spendUsd, l.pullRequests.opened])).toEqual([
      ['alice', 2, 4],
      ['bob', 1, 0],
    ]);
    expect(outcomeCells(stats.total)).toEqual([
      '2 succeeded · 1 failed · 0 cancelled · 1 refused',
      '4',
      '2',
      '1',
      '67%',
      '3h 00m',
      '≥ $3.00',
      '$1.50',
    ]);
  });
});
