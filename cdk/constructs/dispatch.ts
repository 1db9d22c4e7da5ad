/**
 * The dispatch function: invoked asynchronously (by the webhook, task-events, and itself to start
 * the next queued task); it takes the target's lock and starts the agent task with ECS RunTask.
 * Lambda retries a failed event twice, then sends it to the dead-letter queue.
 *
 * Its role: read and write tasks, read the GitHub secrets, run THIS task definition on THIS
 * cluster (tagging the task it starts), pass exactly the task's two roles to ECS, invoke itself.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AgentTask } from './agent-task.js';
import type { AppSecrets } from './app-secrets.js';
import { nagClusterTasksArn, nagEcsArn } from './nag.js';
import type { Network } from './network.js';
import { NightshiftFunction } from './nightshift-function.js';
import { grantTaskAccess } from './task-access.js';
import type { TasksTable } from './tasks-table.js';

export const DISPATCH_RETRY_ATTEMPTS = 2;

export interface DispatchProps {
  /** APP_ID, TABLE_NAME, the secrets' ARNs, GITHUB_API_URL, LOG_LEVEL. */
  environment: Record<string, string>;
  tasks: TasksTable;
  secrets: AppSecrets;
  agent: AgentTask;
  network: Network;
  deadLetterQueue: IQueue;
  maxEventAge: Duration;
  logRetention: RetentionDays;
  /** NIGHTSHIFT_MAX_CONCURRENT_TASKS: agent tasks per installation at once. */
  maxConcurrentTasks: number;
}

export class Dispatch extends Construct {
  readonly handler: NightshiftFunction;

  constructor(scope: Construct, id: string, props: DispatchProps) {
    super(scope, id);
    const { agent, network } = props;
    this.handler = new NightshiftFunction(this, 'Dispatch', {
      entry: 'functions/dispatch/handler.ts',
      description: 'Nightshift: gate, lock and start the agent task (ECS RunTask)',
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        NIGHTSHIFT_MAX_CONCURRENT_TASKS: String(props.maxConcurrentTasks),
        ECS_CLUSTER: agent.cluster.clusterArn,
        ECS_TASK_DEFINITION: agent.taskDefinition.taskDefinitionArn,
        ECS_CONTAINER_NAME: agent.container.containerName,
        ECS_SUBNETS: network.subnetIds().join(','),
        ECS_SECURITY_GROUPS: network.securityGroupIds().join(','),
        ECS_ASSIGN_PUBLIC_IP: String(network.assignPublicIp),
      },
      async: {
        retryAttempts: DISPATCH_RETRY_ATTEMPTS,
        maxEventAge: props.maxEventAge,
        onFailure: new SqsDestination(props.deadLetterQueue),
      },
    });
    const role = this.handler.role;
    grantTaskAccess(role, props.tasks);
    props.secrets.grantGitHubSecrets(role);

    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ecs:RunTask'],
        resources: [agent.familyArn()],
        conditions: { ArnEquals: { 'ecs:cluster': agent.cluster.clusterArn } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ecs:TagResource'],
        resources: [agent.clusterTasksArn()],
        // Only the tags RunTask itself puts on the task it creates.
        conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['iam:PassRole'],
        resources: [agent.taskRole.roleArn, agent.executionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    // Invoking itself: in a policy of its own, not the role's default policy. The function waits for
    // its default policy at creation, and this statement names the function, so putting it there
    // would be a circular dependency.
    new Policy(this, 'InvokeSelf', {
      roles: [role],
      statements: [this.handler.invokeStatement()],
    });

    Validations.of(role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${nagEcsArn(this, `task-definition/${agent.taskDefinition.family}:*`)}]`,
        reason:
          'ecs:RunTask on every revision (":*") of the agent task definition family: each deploy registers a new ' +
          'revision, and the condition limits it to this cluster.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagClusterTasksArn(agent)}]`,
        reason:
          "ecs:TagResource on the tasks of this cluster (their ids are not known in advance), only as part of RunTask's " +
          'own create action (the condition), so that the task started carries its Nightshift task id.',
      },
    );
  }
}
