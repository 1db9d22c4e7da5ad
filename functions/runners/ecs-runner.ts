/**
 * Runner on AWS: one Fargate task per Nightshift task, with only the task id and the task's token
 * nonce passed in (the container asks the token function for installation tokens with them).
 *
 * The client token: ECS keeps a RunTask token's answer for 24 hours and answers a retry with the
 * same token and parameters with that first answer, a `failures` list included; with other
 * parameters (a new dispatch's nonce) it answers ConflictException. So one token per task would
 * replay a capacity refusal for a day. The token is derived from the dispatch (its nonce) and the
 * attempt: a retry after an answer that was lost (a timeout, a 5xx) keeps the token, so ECS starts
 * at most one container for it; a retry after a definite refusal takes the next one.
 */
import { createHash } from 'node:crypto';
import {
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type RunTaskCommandOutput,
} from '@aws-sdk/client-ecs';
import {
  RunnerCapacityError,
  RunnerStartError,
  type Runner,
  type RunnerStartHooks,
} from '../../core/ports.js';
import type { Task } from '../../core/task.js';
import { STARTED_BY, TASK_TAG, listLiveEcsTasks } from './ecs-live-tasks.js';

export interface EcsRunnerOptions {
  client: Pick<ECSClient, 'send'>;
  cluster: string;
  taskDefinition: string;
  containerName: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** RunTask failures worth another try: capacity, throttling, transient agent issues. */
const RETRYABLE = /capacity|throttl|rate exceeded|RESOURCE:|AGENT|timeout|ServiceUnavailable|InternalError/i;
/** Refusals for want of capacity: the task waits and is tried again later instead of failing. */
const CAPACITY = /capacity|RESOURCE:|limit on the number of/i;
/** The account's quota (Fargate vCPUs, tasks): minutes of retrying here would not change it. */
const QUOTA = /limit on the number of/i;
/** Answers that may have been lost after ECS acted on them: retried with the same token. */
const ANSWER_LOST = /timeout|timed out|ServiceUnavailable|InternalError|ECONNRESET|socket hang up/i;

/**
 * The RunTask client token of one start attempt: the task, the dispatch (a hash of its nonce,
 * which is new for each dispatch) and the count of definite refusals so far. At most 64 characters.
 */
export function clientToken(taskId: string, tokenNonce: string, refusals = 0): string {
  const dispatch = createHash('sha256').update(tokenNonce).digest('hex').slice(0, 12);
  return `ns-${taskId}-${dispatch}-${refusals}`.slice(0, 64);
}

/** Stop one Fargate task of the cluster; a task already gone is not an error. */
export async function stopEcsTask(
  client: Pick<ECSClient, 'send'>,
  cluster: string,
  taskArn: string,
  reason: string,
): Promise<void> {
  try {
    await client.send(new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, 255) }));
  } catch (error) {
    if ((error as Error).name !== 'InvalidParameterException') throw error;
  }
}

/**
 * The runner the deployment's environment describes (set by the CDK stack). Stopping needs only
 * ECS_CLUSTER (all the sweeper has); the launch settings are read at the first start.
 */
export function ecsRunnerFromEnv(env: NodeJS.ProcessEnv, client: Pick<ECSClient, 'send'>): Runner {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set (NIGHTSHIFT_RUNNER=ecs needs it)`);
    return value;
  };
  const cluster = required('ECS_CLUSTER');
  let launcher: EcsRunner | undefined;
  return {
    start: async (task, hooks) =>
      (launcher ??= new EcsRunner({
        client,
        cluster,
        taskDefinition: required('ECS_TASK_DEFINITION'),
        containerName: required('ECS_CONTAINER_NAME'),
        subnets: required('ECS_SUBNETS').split(','),
        securityGroups: required('ECS_SECURITY_GROUPS').split(','),
        assignPublicIp: env.ECS_ASSIGN_PUBLIC_IP === 'true',
      })).start(task, hooks),
    stop: (runnerId, reason) => stopEcsTask(client, cluster, runnerId, reason),
    listLive: () => listLiveEcsTasks(client, cluster),
  };
}

export class EcsRunner implements Runner {
  constructor(private readonly options: EcsRunnerOptions) {}

  async start(task: Task, hooks: RunnerStartHooks = {}): Promise<string> {
    const { tokenNonce } = hooks;
    if (!tokenNonce)
      throw new RunnerStartError("ECS RunTask needs the task's token nonce (dispatch makes one)");
    const attempts = this.options.attempts ?? 5;
    const sleep = this.options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    let lastReason = 'unknown';
    let refusals = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let output: RunTaskCommandOutput | undefined;
      try {
        output = await this.options.client.send(this.command(task, tokenNonce, refusals));
      } catch (error) {
        lastReason = `${(error as Error).name}: ${(error as Error).message}`;
        if (!ANSWER_LOST.test(lastReason)) refusals++;
      }
      const started = output?.tasks?.[0]?.taskArn;
      if (started) return started;
      if (output) {
        // RunTask can answer 200 with no task and a list of failures: that is a refusal.
        refusals++;
        lastReason =
          (output.failures ?? [])
            .map((f) => `${f.reason ?? 'failure'}${f.detail ? ` (${f.detail})` : ''}`)
            .join('; ') || 'no task started';
      }
      if (QUOTA.test(lastReason)) throw new RunnerCapacityError(`the account's quota: ${lastReason}`);
      if (!RETRYABLE.test(lastReason)) throw new RunnerStartError(`ECS RunTask failed: ${lastReason}`);
      if (attempt < attempts) {
        await hooks.onRetry?.(lastReason, attempt);
        await sleep(Math.min(30_000, 1000 * 2 ** (attempt - 1)));
      }
    }
    if (CAPACITY.test(lastReason))
      throw new RunnerCapacityError(`no Fargate capacity after ${attempts} attempts: ${lastReason}`);
    throw new RunnerStartError(`ECS RunTask failed after ${attempts} attempts: ${lastReason}`);
  }

  stop(runnerId: string, reason: string): Promise<void> {
    return stopEcsTask(this.options.client, this.options.cluster, runnerId, reason);
  }

  listLive() {
    return listLiveEcsTasks(this.options.client, this.options.cluster);
  }

  private command(task: Task, tokenNonce: string, refusals: number): RunTaskCommand {
    const environment = [
      { name: 'TASK_ID', value: task.id },
      { name: 'NIGHTSHIFT_TOKEN_NONCE', value: tokenNonce },
    ];
    return new RunTaskCommand({
      cluster: this.options.cluster,
      taskDefinition: this.options.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      clientToken: clientToken(task.id, tokenNonce, refusals),
      startedBy: STARTED_BY,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: this.options.subnets,
          securityGroups: this.options.securityGroups,
          assignPublicIp: this.options.assignPublicIp ? 'ENABLED' : 'DISABLED',
        },
      },
      overrides: {
        containerOverrides: [{ name: this.options.containerName, environment }],
      },
      tags: [{ key: TASK_TAG, value: task.id }],
      // The task definition carries the deployment's cost-allocation tags (cdk: nightshift:tags).
      propagateTags: 'TASK_DEFINITION',
    });
  }
}
