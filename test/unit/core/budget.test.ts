/** The monthly budgets' pure decisions (core/budget.ts): the month, its reset, the standing, the words. */
import { describe, expect, it } from 'vitest';
import {
  type BudgetFigure,
  budgetMonth,
  budgetNotice,
  budgetRefusal,
  budgetResetsAt,
  budgetStanding,
} from '../../../core/budget.js';

const repo = (spentUsd: number): BudgetFigure => ({
  scope: 'repository',
  name: 'octo/app',
  budgetUsd: 100,
  spentUsd,
});
const installation = (spentUsd: number): BudgetFigure => ({
  scope: 'installation',
  name: '42',
  budgetUsd: 500,
  spentUsd,
});

describe('monthly budgets', () => {
  it('counts calendar months in UTC and resets at the first moment of the next', () => {
    const lastMinute = new Date('2030-12-31T23:59:59.999Z');
    expect(budgetMonth(lastMinute)).toBe('2030-12');
    expect(budgetResetsAt(lastMinute).toISOString()).toBe('2031-01-01T00:00:00.000Z');
    expect(budgetMonth(new Date('2031-01-01T00:00:00.000Z'))).toBe('2031-01');
  });

  it('refuses once any budget is spent, warns from 80%, and says nothing below', () => {
    expect(budgetStanding([])).toEqual({});
    expect(budgetStanding([repo(79.99), installation(10)])).toEqual({});
    expect(budgetStanding([repo(80), installation(10)])).toEqual({ warning: repo(80) });
    expect(budgetStanding([repo(100), installation(10)])).toEqual({ reached: repo(100) });
    // The installation's budget is checked whatever the repository's allows.
    expect(budgetStanding([repo(1), installation(500)])).toEqual({ reached: installation(500) });
    expect(budgetStanding([repo(85), installation(600)])).toEqual({ reached: installation(600) });
  });

  it('names the budget, the spend and the reset in the reply and the notice', () => {
    const now = new Date('2030-06-14T08:00:00.000Z');
    expect(budgetRefusal('bob', repo(101.5), now)).toBe(
      "@bob, Nightshift did not start this task: $101.50 of this repository's monthly budget ($100.00, " +
        '`budget.monthlyUsd`) is spent this month. It resets on 2030-07-01 (UTC); until then a task here ' +
        'starts only if the budget is raised.',
    );
    expect(budgetNotice(installation(412), now)).toBe(
      "Budget: 82% of this installation's monthly budget ($500.00, NIGHTSHIFT_INSTALLATION_MONTHLY_USD) is " +
        'spent ($412.00); it resets on 2030-07-01 (UTC). New tasks are refused once it is all spent.',
    );
  });
});
