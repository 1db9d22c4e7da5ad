import { describe, expect, it } from 'vitest';
import { formatSpendCost, spendSummary } from '../../../core/status/spend-summary.js';
import { NOW, ago, task, usage } from '../../support/task-fixture.js';

const tokens = (n: number) =>
  usage({ inputTokens: n, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });

describe('spendSummary', () => {
  it('sums tokens and cost per repository and per engineer over 7 and 30 days', () => {
    const summary = spendSummary(
      [
        task({
          repository: 'octo/app',
          engineer: 'alice',
          createdAt: ago(1),
          usage: { ...tokens(100), costUsd: 1 },
        }),
        task({
          repository: 'octo/app',
          engineer: 'bob',
          createdAt: ago(6, 86_000),
          usage: { ...tokens(200), costUsd: 2 },
        }),
        task({
          repository: 'octo/app',
          engineer: 'alice',
          createdAt: ago(8),
          usage: { ...tokens(400), costUsd: 4 },
        }),
        task({
          repository: 'octo/lib',
          engineer: 'alice',
          createdAt: ago(29),
          usage: { ...tokens(800), costUsd: 8 },
        }),
        // Outside both windows.
        task({
          repository: 'octo/lib',
          engineer: 'bob',
          createdAt: ago(31),
          usage: { ...tokens(1600), costUsd: 16 },
        }),
      ],
      NOW,
    );

    expect(summary.byRepository).toEqual([
      {
        key: 'octo/lib',
        last7Days: { tasks: 0, tokens: 0, costUsd: 0, unknownCostTasks: 0 },
        last30Days: { tasks: 1, tokens: 800, costUsd: 8, unknownCostTasks: 0 },
      },
      {
        key: 'octo/app',
        last7Days: { tasks: 2, tokens: 300, costUsd: 3, unknownCostTasks: 0 },
        last30Days: { tasks: 3, tokens: 700, costUsd: 7, unknownCostTasks: 0 },
      },
    ]);
    expect(summary.byEngineer).toEqual([
      {
        key: 'alice',
        last7Days: { tasks: 1, tokens: 100, costUsd: 1, unknownCostTasks: 0 },
        last30Days: { tasks: 3, tokens: 1300, costUsd: 13, unknownCostTasks: 0 },
      },
      {
        key: 'bob',
        last7Days: { tasks: 1, tokens: 200, costUsd: 2, unknownCostTasks: 0 },
        last30Days: { tasks: 1, tokens: 200, costUsd: 2, unknownCostTasks: 0 },
      },
    ]);
    expect(summary.total.last7Days).toMatchObject({ tasks: 2, tokens: 300, costUsd: 3 });
    expect(summary.total.last30Days).toMatchObject({ tasks: 4, tokens: 1500, costUsd: 15 });
  });

  it('counts every kind of token: input, cache reads and writes, output', () => {
    const summary = spendSummary([task({ createdAt: ago(0, 10), usage: usage() })], NOW);
    expect(summary.total.last7Days.tokens).toBe(1000 + 8000 + 500 + 500);
  });

  it('keeps the 7- and 30-day edges inclusive', () => {
    const summary = spendSummary([task({ createdAt: ago(7) }), task({ createdAt: ago(30) })], NOW);
    expect(summary.total.last7Days.tasks).toBe(1);
    expect(summary.total.last30Days.tasks).toBe(2);
  });

  it('counts an unknown cost as unknown, not as zero', () => {
    const summary = spendSummary(
      [
        task({ engineer: 'alice', createdAt: ago(1), usage: usage({ costUsd: 1.5 }) }),
        task({ engineer: 'alice', createdAt: ago(2), usage: usage({ costUsd: null }) }),
        task({ engineer: 'bob', createdAt: ago(2), usage: usage({ costUsd: 0.5 }) }),
      ],
      NOW,
    );
    const alice = summary.byEngineer.find((line) => line.key === 'alice');
    const bob = summary.byEngineer.find((line) => line.key === 'bob');
    expect(alice?.last7Days).toMatchObject({ tasks: 2, costUsd: 1.5, unknownCostTasks: 1 });
    expect(formatSpendCost(alice!.last7Days)).toBe('≥ $1.50 (some unknown)');
    expect(formatSpendCost(bob!.last7Days)).toBe('$0.50');
  });

  it('is empty without tasks in the last 30 days', () => {
    expect(spendSummary([task({ createdAt: ago(45) })], NOW)).toEqual({
      byRepository: [],
      byEngineer: [],
      total: {
        last7Days: { tasks: 0, tokens: 0, costUsd: 0, unknownCostTasks: 0 },
        last30Days: { tasks: 0, tokens: 0, costUsd: 0, unknownCostTasks: 0 },
      },
    });
  });
});
