/**
 * `npm start`'s dependencies, built by the composition root as the server builds them: with NIGHTSHIFT_RUNNER=ecs the
 * sweeper stops a hung task's Fargate task through ECS (it once went through the local runner,
 * which knows nothing of ECS tasks, so nothing was stopped).
 */
import { ECSClient, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStore, type StoreConnection } from '../../../core/store/connect.js';
import { compose } from '../../../functions/composition/compose.js';
import { startTestStore, type TestStore } from '../../support/dynamo.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github/index.js';

const ecs = mockClient(ECSClient);
const INSTALLATION = 4242;
const ECS_ENV = {
  ECS_CLUSTER: 'nightshift',
  ECS_TASK_DEFINITION: 'arn:aws:ecs:us-east-1:1:task-definition/agent:4',
  ECS_CONTAINER_NAME: 'agent',
  ECS_SUBNETS: 'subnet-a',
  ECS_SECURITY_GROUPS: 'sg-1',
};

describe('npm start with NIGHTSHIFT_RUNNER=ecs', () => {
  let github: FakeGitHub;
  let db: TestStore;
  let connection: StoreConnection;
  beforeAll(async () => {
    [github, db] = await Promise.all([startFakeGitHub(), startTestStore()]);
    await github.addRepo({ owner: 'acme', name: 'calc', installationId: INSTALLATION });
    Object.assign(process.env, ECS_ENV, { AWS_REGION: 'us-east-1' });
    connection = await connectStore(db.env);
  });
  afterAll(async () => {
    for (const name of Object.keys(ECS_ENV)) delete process.env[name];
    await connection.close();
    await Promise.all([github.close(), db.close()]);
    ecs.restore();
  });

  it('the sweeper stops a hung task’s ECS task through ECS, not through the local runner', async () => {
    ecs.on(StopTaskCommand).resolves({});
    // The sweeper also lists the cluster's agent tasks (none past the hard maximum here).
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    const composition = await compose(
      {
        ...process.env,
        APP_ID: String(github.appId),
        PRIVATE_KEY: github.privateKey,
        WEBHOOK_SECRET: 'secret',
        GITHUB_API_URL: github.url,
        NIGHTSHIFT_RUNNER: 'ecs',
        LOG_LEVEL: 'fatal',
      },
      { placement: 'local', connection },
    );
    const arn = 'arn:aws:ecs:us-east-1:1:task/nightshift/abc';
    let task = await connection.store.create({
      repository: 'acme/calc',
      installationId: INSTALLATION,
      target: { kind: 'issue', number: 1 },
      trigger: { kind: 'issue_label', text: '', sender: 'alice' },
      engineer: 'alice',
    });
    task = await connection.store.transition(task, 'dispatched', { runnerId: arn });
    await connection.store.transition(task, 'running', {
      leaseExpiresAt: new Date(Date.now() - 1000).toISOString(),
    });

    const report = await composition.sweep();
    expect(report.timedOut).toEqual([task.id]);
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ cluster: 'nightshift', task: arn }),
    ]);
    expect(composition.local?.children.running).toBe(0);
  });
});
