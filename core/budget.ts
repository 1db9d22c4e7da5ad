/**
 * Monthly budgets: a repository's (`budget.monthlyUsd` in .github/nightshift.yml) and an
 * installation's (NIGHTSHIFT_INSTALLATION_MONTHLY_USD, the same for every installation of the
 * deployment). Months are calendar months in UTC. Pure: the spend comes from the store's counters
 * (store/records/spend.ts), kept as usage accrues.
 *
 * A budget is checked when a task is dispatched: one whose repository or installation has reached
 * its budget is refused before any runner starts. A running task is not stopped by the budget: it
 * ends within its own per-task limits (`limits.costUsd`), so a month's spend can pass its budget by
 * at most what the tasks already running spend.
 */
import { formatCost } from './report.js';

export type BudgetScope = 'repository' | 'installation';

export interface BudgetFigure {
  scope: BudgetScope;
  /** The repository's name, or the installation's id. */
  name: string;
  budgetUsd: number;
  spentUsd: number;
}

/** At this share of a budget the tracking comment and the check run say so. */
export const BUDGET_WARNING_SHARE = 0.8;

/** `2026-12`: the month a spend belongs to. */
export function budgetMonth(now: Date): string {
  return now.toISOString().slice(0, 7);
}

/** When the month's spend starts again from zero: the first moment of the next month, UTC. */
export function budgetResetsAt(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
}

export interface BudgetStanding {
  /** The first budget reached (spend ≥ budget): the task is refused. */
  reached?: BudgetFigure;
  /** The first budget at or past 80% and not reached: the task runs, and says so. */
  warning?: BudgetFigure;
}

export function budgetStanding(figures: readonly BudgetFigure[]): BudgetStanding {
  const reached = figures.find((f) => f.spentUsd >= f.budgetUsd);
  if (reached) return { reached };
  const warning = figures.find((f) => f.spentUsd >= f.budgetUsd * BUDGET_WARNING_SHARE);
  return warning ? { warning } : {};
}

function whose(figure: BudgetFigure): string {
  return figure.scope === 'repository'
    ? `this repository's monthly budget (${formatCost(figure.budgetUsd)}, \`budget.monthlyUsd\`)`
    : `this installation's monthly budget (${formatCost(figure.budgetUsd)}, NIGHTSHIFT_INSTALLATION_MONTHLY_USD)`;
}

const day = (date: Date): string => date.toISOString().slice(0, 10);

/** The reply to a refused task: the budget, the spend and when it resets. */
export function budgetRefusal(requester: string, figure: BudgetFigure, now: Date): string {
  return (
    `@${requester}, Nightshift did not start this task: ${formatCost(figure.spentUsd)} of ` +
    `${whose(figure)} is spent this month. It resets on ${day(budgetResetsAt(now))} (UTC); ` +
    `until then a task here starts only if the budget is raised.`
  );
}

/** The line the tracking comment and the check run carry while a budget is at 80% or more. */
export function budgetNotice(figure: BudgetFigure, now: Date): string {
  const share = Math.floor((figure.spentUsd / figure.budgetUsd) * 100);
  return (
    `Budget: ${share}% of ${whose(figure)} is spent (${formatCost(figure.spentUsd)}); it resets on ` +
    `${day(budgetResetsAt(now))} (UTC). New tasks are refused once it is all spent.`
  );
}
