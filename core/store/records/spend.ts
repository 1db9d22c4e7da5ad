/**
 * The month's spend of each repository and installation (`SPEND#<month>#<scope>#<name>`), for the
 * monthly budgets (core/budget.ts). A task's spend is added as its usage is recorded: once the
 * task's versioned update has succeeded, one atomic `ADD` per counter of the new cost less the
 * cost on the version the update was conditioned on. So a lost race adds nothing (its update was
 * refused), concurrent tasks never lose each other's spend (ADD, no read-modify-write), and the
 * counters equal the tasks' costs. The one gap: a process that dies between the two writes loses
 * that one turn's cost from the counter (never adds it twice); the task's own record keeps it.
 *
 * A cost that is unknown (no price for the model) adds nothing: a budget counts what is known.
 */
import { budgetMonth, type BudgetScope } from '../../budget.js';
import type { Task, Usage } from '../../task.js';
import { DAY_SECONDS, epochSeconds, spendKey } from '../items.js';
import { TABLE } from '../table.js';
import type { StoreTable } from './store-table.js';
import { UpdateBuilder } from './update-builder.js';

/** Kept a little over a year, for last year's figures; the tasks themselves are the history. */
const SPEND_TTL_SECONDS = 400 * DAY_SECONDS;

/** What a change of usage adds to the month's spend: the cost it adds, if known and positive. */
export function spendDelta(task: Task, usage: Usage | undefined): number {
  const before = task.usage.costUsd ?? 0;
  const after = usage?.costUsd;
  if (after === undefined || after === null) return 0;
  return after > before ? after - before : 0;
}

/**
 * Add `usd` to the month's spend of the task's repository and installation: one atomic ADD per
 * counter, single-item writes that DynamoDB serializes (a transaction on such a shared, hot item
 * would be cancelled by every other one in flight).
 */
export async function addSpend(table: StoreTable, task: Task, usd: number, now: Date): Promise<void> {
  if (usd <= 0) return;
  const month = budgetMonth(now);
  const scopes: Array<[BudgetScope, string]> = [
    ['repository', task.repository],
    ['installation', String(task.installationId)],
  ];
  await Promise.all(
    scopes.map(([scope, name]) => {
      const builder = new UpdateBuilder()
        .set('entity', 'spend')
        .set(TABLE.ttlAttribute, epochSeconds(now) + SPEND_TTL_SECONDS)
        .add('usd', usd);
      return table.update({
        Key: spendKey(month, scope, name),
        UpdateExpression: builder.expression,
        ExpressionAttributeNames: builder.names,
        ExpressionAttributeValues: builder.values,
      });
    }),
  );
}

/** The spend recorded for `month` (`2026-12`) of one repository or installation. */
export async function monthSpend(
  table: StoreTable,
  scope: BudgetScope,
  name: string,
  month: string,
): Promise<number> {
  return Number((await table.get(spendKey(month, scope, name)))?.usd ?? 0);
}
