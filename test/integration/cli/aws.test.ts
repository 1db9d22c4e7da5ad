/**
 * `nightshift tasks|show|cancel|stats --aws`: the deployed table, reached through the AWS SDK's
 * standard chain (here: credentials, region and AWS_ENDPOINT_URL_DYNAMODB from the environment,
 * pointing at dynalite), never DYNAMODB_ENDPOINT or .data/. The table is made from the stack's own
 * definition (cdk/constructs/tasks-table.ts, synthesized), so the command reads the layout the
 * stack deploys.
 */
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TasksTable } from '../../../cdk/constructs/tasks-table.js';
import type { TaskRow } from '../../../core/status/task-row.js';
import type { OutcomeStats } from '../../../core/status/outcome-stats.js';
import { DynamoTaskStore } from '../../../core/store/dynamo-task-store.js';
import { EMPTY_USAGE, type Task } from '../../../core/task.js';
import { type TestStore, startTestStore } from '../../support/dynamo.js';
import { runNightshift } from '../../support/nightshift-bin.js';

const TABLE = 'Nightshift-TasksTable-1A2B3C';

/** CreateTable from the table the stack synthesizes (what CloudFormation would create). */
function stackTableInput(): CreateTableCommandInput {
  const stack = new Stack(new App(), 'Layout');
  new TasksTable(stack, 'Tasks', { tableName: TABLE });
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
  const p = table!.Properties as Required<
    Pick<CreateTableCommandInput, 'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes'>
  > & { BillingMode: 'PAY_PER_REQUEST' };
  return {
    TableName: TABLE,
    BillingMode: p.BillingMode,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map(({ IndexName, KeySchema, Projection }) => ({
      IndexName,
      KeySchema,
      Projection,
    })),
  };
}

describe('the CLI on AWS (--aws)', () => {
  let t: TestStore;
  let cwd: string;
  let store: DynamoTaskStore;
  let tasks: Task[];
  let aws: Record<string, string>;

  beforeAll(async () => {
    t = await startTestStore();
    await t.client.send(new CreateTableCommand(stackTableInput()));
    store = new DynamoTaskStore({ client: t.client, tableName: TABLE });
    tasks = [];
    for (const [n, engineer, requester] of [
      [1, 'alice', 'alice'],
      [2, 'alice', 'bob'],
    ] as const) {
      const task = await store.create({
        repository: 'octo/app',
        installationId: 7,
        target: { kind: n === 1 ? 'issue' : 'pull_request', number: n },
        trigger: { kind: n === 1 ? 'issue_label' : 'pr_comment', text: '', sender: requester },
        engineer,
        requester,
      });
      tasks.push(await store.update(task, { usage: { ...EMPTY_USAGE, costUsd: 0.5 * n, turns: n } }));
    }
    cwd = mkdtempSync(join(tmpdir(), 'nightshift-aws-'));
    aws = {
      AWS_ENDPOINT_URL_DYNAMODB: t.endpoint,
      AWS_ACCESS_KEY_ID: t.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: t.credentials.secretAccessKey,
      AWS_REGION: 'eu-west-1',
      // Never used with --aws: a local store's address, and a data folder, that do not answer.
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      NIGHTSHIFT_DATA_DIR: join(cwd, 'no-data'),
    };
  });
  afterAll(async () => {
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const nightshift = (...args: string[]) => runNightshift(args, aws, cwd);

  it('lists the deployed table’s tasks', async () => {
    const result = await nightshift('tasks', '--aws', '--table', TABLE, '--json');
    expect(result.stderr).toBe('');
    const rows = JSON.parse(result.stdout) as TaskRow[];
    expect(rows.map((r) => [r.id, r.who, r.costUsd])).toEqual([
      [tasks[1]!.id, 'alice (asked by bob)', 1],
      [tasks[0]!.id, 'alice', 0.5],
    ]);
  });

  it('shows, cancels and counts there too', async () => {
    const shown = await nightshift('show', tasks[1]!.id, '--aws', `--table=${TABLE}`);
    expect(shown.stdout).toMatch(/Charged to\s+bob/);
    const cancelled = await nightshift('cancel', '--aws', '--table', TABLE, tasks[0]!.id);
    expect(cancelled).toMatchObject({ code: 0 });
    expect((await store.load(tasks[0]!.id)).cancelRequested).toBe(true);
    const stats = await nightshift('stats', '--aws', '--table', TABLE, '--json');
    const figures = JSON.parse(stats.stdout) as OutcomeStats;
    expect(figures.total.spendUsd).toBe(1.5);
    expect(figures.byEngineer.map((l) => [l.key, l.spendUsd])).toEqual([
      ['bob', 1],
      ['alice', 0.5],
    ]);
  });

  it('says which table is missing, and that --table goes with --aws', async () => {
    const missing = await nightshift('tasks', '--aws', '--table', 'NoSuchTable');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no DynamoDB table NoSuchTable in this account and region');
    const alone = await nightshift('tasks', '--table', TABLE);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--table names the deployed table: use it with --aws');
    const run = await nightshift('run', 'octo/app', '--issue', '1', '--aws');
    expect(run.code).toBe(2);
  });
});
