/**
 * The monthly budgets at dispatch: the month's spend of the task's repository and installation
 * read from the store's counters and judged by core/budget.ts. Reached: the task is refused, with
 * a reply that names the budget, the spend and when it resets. At 80%: the task runs and carries
 * the notice, which its tracking comment and check run show.
 *
 * The installation's budget is the deployment's (NIGHTSHIFT_INSTALLATION_MONTHLY_USD); a
 * repository's `budget.monthlyUsd` is a second, separate limit, so a repository's file can lower
 * what it may spend but never raise the installation's.
 */
import {
  type BudgetFigure,
  budgetMonth,
  budgetNotice,
  budgetRefusal,
  budgetStanding,
} from '../../core/budget.js';
import type { RepoConfig } from '../../core/config.js';
import { requesterOf } from '../../core/requester.js';
import type { TaskStore } from '../../core/store/task-store.js';
import type { Task } from '../../core/task.js';

export type BudgetCheck =
  { refused: false; notice?: string } | { refused: true; figure: BudgetFigure; reply: string };

export async function checkBudgets(
  store: Pick<TaskStore, 'monthSpend'>,
  task: Task,
  config: RepoConfig,
  installationMonthlyUsd: number | undefined,
  now: Date,
): Promise<BudgetCheck> {
  const month = budgetMonth(now);
  const figures: BudgetFigure[] = [];
  const repositoryBudget = config.budget.monthlyUsd;
  if (repositoryBudget !== null) {
    figures.push({
      scope: 'repository',
      name: task.repository,
      budgetUsd: repositoryBudget,
      spentUsd: await store.monthSpend('repository', task.repository, month),
    });
  }
  if (installationMonthlyUsd !== undefined) {
    const installation = String(task.installationId);
    figures.push({
      scope: 'installation',
      name: installation,
      budgetUsd: installationMonthlyUsd,
      spentUsd: await store.monthSpend('installation', installation, month),
    });
  }
  const standing = budgetStanding(figures);
  if (standing.reached) {
    const figure = standing.reached;
    return { refused: true, figure, reply: budgetRefusal(requesterOf(task), figure, now) };
  }
  return standing.warning
    ? { refused: false, notice: budgetNotice(standing.warning, now) }
    : { refused: false };
}
