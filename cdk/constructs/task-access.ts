/**
 * What a component may do to the table. Every component (webhook, dispatch, task-events, the agent
 * task) reads and writes tasks through the same store, whose operations are:
 *
 * - GetItem, Query (the table and the four indexes, each named);
 * - PutItem, UpdateItem: tasks, deliveries, intents, locks, counters, log items and messages;
 * - TransactWriteItems: IAM authorises each item of a transaction as its own action, so creating a
 *   task needs PutItem, and a terminal transition needs UpdateItem plus ConditionCheckItem or
 *   DeleteItem for the target's lock and the task's intent;
 * - DeleteItem: only ever on a lock or an intent item (releasing the target, ending the task).
 *   The statement says so with `dynamodb:LeadingKeys`: no component can delete a task, its log or
 *   a delivery record.
 *
 * No Scan, no BatchWriteItem, no table-level actions.
 */
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { TasksTable } from './tasks-table.js';

/** Partition-key prefixes of the items a component may delete (core/store/items.ts). */
export const DELETABLE_KEY_PREFIXES = ['LOCK#', 'INTENT#'] as const;

export const ITEM_ACTIONS = [
  'dynamodb:ConditionCheckItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:UpdateItem',
] as const;

export function taskAccessStatements(tasks: TasksTable): PolicyStatement[] {
  return [
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: [...ITEM_ACTIONS],
      resources: [tasks.table.tableArn],
    }),
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['dynamodb:Query'],
      resources: tasks.indexArns(),
    }),
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['dynamodb:DeleteItem'],
      resources: [tasks.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': DELETABLE_KEY_PREFIXES.map((p) => `${p}*`) },
      },
    }),
  ];
}

export function grantTaskAccess(grantee: IGrantable, tasks: TasksTable): void {
  for (const statement of taskAccessStatements(tasks)) grantee.grantPrincipal.addToPrincipalPolicy(statement);
}
