/**
 * The month's spend of each repository and installation (`SPEND#<month>#<scope>#<name>`), for the
 * monthly budgets (core/budget.ts). A task's spend is added as its usage is recorded: the task's
 * versioned update and one atomic `ADD` per counter go in one transaction, and the amount added is
 * the new cost less the cost on the version the update is conditioned on. So a lost race adds
 * nothing (the transaction is cancelled with the task's update), concurrent tasks never lose each
 * other's spend (ADD, no read-modify-write), and the counters always equal the tasks' costs.
 *
 * A cost that is unknown (no price for the model) adds nothing: a budget counts what is known.
 */
import { budgetMonth, type BudgetScope } from '../../budget.js';
import type { Task, Usage } from '../../task.js';
import { DAY_SECONDS, epochSeconds, spendKey } from '../items.js';
import { TABLE } from '../table.js';
import type { StoreTable, TransactItem } from './store-table.js';
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

/** The atomic additions to the task's repository and installation counters for this month. */
export function spendAdditions(table: StoreTable, task: Task, usd: number, now: Date): TransactItem[] {
  const month = budgetMonth(now);
  const scopes: Array<[BudgetScope, string]> = [
    ['repository', task.repository],
    ['installation', String(task.installationId)],
  ];
  return scopes.map(([scope, name]) => {
    const builder = new UpdateBuilder()
      .set('entity', 'spend')
      .set(TABLE.ttlAttribute, epochSeconds(now) + SPEND_TTL_SECONDS)
      .add('usd', usd);
    return {
      Update: {
        TableName: table.tableName,
        Key: spendKey(month, scope, name),
        UpdateExpression: builder.expression,
        ExpressionAttributeNames: builder.names,
        ExpressionAttributeValues: builder.values,
      },
    };
  });
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
