import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RunnerCapacityError, RunnerStartError } from '../../../core/ports.js';
import { EcsRunner, clientToken } from '../../../functions/runners/ecs-runner.js';
import { task as fixture } from '../../support/task-fixture.js';

const ecs = mockClient(ECSClient);

const task = fixture({
  id: '01JTASKID',
  repository: 'acme/widgets',
  installationId: 7,
  status: 'dispatched',
});

/** What dispatch hands the runner: the nonce that lets this task's container ask for tokens. */
const started = { tokenNonce: 'nonce-for-01JTASKID' };

function runner(attempts = 3): EcsRunner {
  return new EcsRunner({
    client: new ECSClient({ region: 'us-east-1' }),
    cluster: 'nightshift',
    taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/agent:4',
    containerName: 'agent',
    subnets: ['subnet-a', 'subnet-b'],
    securityGroups: ['sg-1'],
    assignPublicIp: true,
    attempts,
    sleep: async () => undefined,
  });
}

describe('EcsRunner', () => {
  beforeEach(() => ecs.reset());

  it('runs the task definition on Fargate with only the task id and its token nonce as overrides, idempotently', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:task/abc' }] });
    await expect(runner().start(task, started)).resolves.toBe('arn:aws:ecs:task/abc');
    const input = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      cluster: 'nightshift',
      taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/agent:4',
      launchType: 'FARGATE',
      clientToken: clientToken(task.id, started.tokenNonce),
      startedBy: 'nightshift',
      tags: [{ key: 'nightshift:task', value: task.id }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-1'],
          assignPublicIp: 'ENABLED',
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: 'agent',
            environment: [
              { name: 'TASK_ID', value: task.id },
              { name: 'NIGHTSHIFT_TOKEN_NONCE', value: started.tokenNonce },
            ],
          },
        ],
      },
    });
  });

  it('refuses to start a container that could not ask for tokens (no nonce)', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:task/abc' }] });
    await expect(runner().start(task)).rejects.toThrow(/token nonce/);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('retries a refusal with the next client token (ECS would replay the refusal for 24 hours), a lost answer with the same', async () => {
    ecs
      .on(RunTaskCommand)
      .resolvesOnce({ tasks: [], failures: [{ reason: 'Capacity is unavailable at this time' }] })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .rejectsOnce(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }))
      .resolves({ tasks: [{ taskArn: 'arn:aws:ecs:task/def' }] });
    await expect(runner(5).start(task, started)).resolves.toBe('arn:aws:ecs:task/def');
    const tokens = ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken);
    const token = (refusals: number) => clientToken(task.id, started.tokenNonce, refusals);
    expect(tokens).toEqual([token(0), token(1), token(2), token(2)]);
    // Each dispatch has its own tokens (a new nonce); every token fits RunTask's 64 characters.
    expect(clientToken(task.id, 'another dispatch')).not.toBe(token(0));
    expect(clientToken('01JZZZZZZZZZZZZZZZZZZZZZZZ', started.tokenNonce, 99).length).toBeLessThanOrEqual(64);
  });

  it('a Fargate vCPU quota refusal is a capacity wait at once, not a failure nor minutes of retries', async () => {
    ecs.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [
        {
          reason:
            "You've reached the limit on the number of vCPUs you can run concurrently. For more information, see the Troubleshooting section.",
        },
      ],
    });
    const error = await runner(5)
      .start(task, started)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnerCapacityError);
    expect((error as Error).message).toMatch(/quota: You've reached the limit on the number of vCPUs/);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('treats 200 with failures and no task as a failure, naming the reason', async () => {
    ecs
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'Capacity is unavailable at this time' }] });
    await expect(runner(2).start(task, started)).rejects.toThrow(RunnerCapacityError);
    await expect(runner(2).start(task, started)).rejects.toThrow(/Capacity is unavailable/);
    ecs.reset();
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'MISSING' }] });
    const other = await runner(2)
      .start(task, started)
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(RunnerStartError);
    expect(other).not.toBeInstanceOf(RunnerCapacityError);
  });

  it('does not retry a configuration error', async () => {
    ecs
      .on(RunTaskCommand)
      .rejects(Object.assign(new Error('No Container Instances'), { name: 'InvalidParameterException' }));
    await expect(runner(5).start(task, started)).rejects.toThrow(/InvalidParameterException/);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it("lists the cluster's live agent tasks with when they started and their Nightshift task", async () => {
    const arns = Array.from({ length: 150 }, (_, i) => `arn:aws:ecs:task/${i}`);
    ecs
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: arns.slice(0, 100), nextToken: 'more' })
      .resolves({ taskArns: arns.slice(100) });
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: input.tasks.map((arn, i) => ({
        taskArn: arn,
        createdAt: new Date(Date.UTC(2025, 0, 1, 0, i)),
        ...(i % 2 ? { startedAt: new Date(Date.UTC(2025, 0, 1, 1, i)) } : {}),
        tags: [{ key: 'nightshift:task', value: `T${arn.split('/')[1]}` }],
      })),
    }));
    const live = await runner().listLive();
    expect(live).toHaveLength(150);
    expect(live[1]).toEqual({
      runnerId: 'arn:aws:ecs:task/1',
      startedAt: new Date(Date.UTC(2025, 0, 1, 1, 1)),
      taskId: 'T1',
    });
    expect(live[0]?.startedAt).toEqual(new Date(Date.UTC(2025, 0, 1, 0, 0)));
    expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input).toMatchObject({
      cluster: 'nightshift',
      startedBy: 'nightshift',
      desiredStatus: 'RUNNING',
    });
    expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks?.length)).toEqual([
      100, 50,
    ]);
  });

  it('stops a runner by its task ARN', async () => {
    ecs.on(StopTaskCommand).resolves({});
    await runner().stop('arn:aws:ecs:task/abc', 'heartbeat lapsed');
    expect(ecs.commandCalls(StopTaskCommand)[0]?.args[0].input).toMatchObject({
      cluster: 'nightshift',
      task: 'arn:aws:ecs:task/abc',
    });
  });
});
