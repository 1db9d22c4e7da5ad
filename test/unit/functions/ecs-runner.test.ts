import { ECSClient, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RunnerStartError } from '../../../core/ports.js';
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
      clientToken: clientToken(task.id),
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

  it('retries capacity failures with the same client token, then succeeds', async () => {
    ecs
      .on(RunTaskCommand)
      .resolvesOnce({ tasks: [], failures: [{ reason: 'Capacity is unavailable at this time' }] })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ tasks: [{ taskArn: 'arn:aws:ecs:task/def' }] });
    await expect(runner(5).start(task, started)).resolves.toBe('arn:aws:ecs:task/def');
    const tokens = ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken);
    expect(tokens).toEqual([clientToken(task.id), clientToken(task.id), clientToken(task.id)]);
  });

  it('treats 200 with failures and no task as a failure, naming the reason', async () => {
    ecs
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'Capacity is unavailable at this time' }] });
    await expect(runner(2).start(task, started)).rejects.toThrow(RunnerStartError);
    await expect(runner(2).start(task, started)).rejects.toThrow(/Capacity is unavailable/);
  });

  it('does not retry a configuration error', async () => {
    ecs
      .on(RunTaskCommand)
      .rejects(Object.assign(new Error('No Container Instances'), { name: 'InvalidParameterException' }));
    await expect(runner(5).start(task, started)).rejects.toThrow(/InvalidParameterException/);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
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
