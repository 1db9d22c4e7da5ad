/**
 * The task-events function, on an EventBridge rule for this cluster's "ECS Task State Change"
 * events with lastStatus STOPPED: a task whose container stopped before ending its Nightshift task
 * (crash, out of memory, image pull failure) is marked failed, its check run concluded, its lock
 * released and the next queued task dispatched.
 *
 * EventBridge retries delivery for up to two hours and then sends the event to the dead-letter
 * queue; Lambda retries a failing invocation twice and then does the same.
 *
 * Its role: read and write tasks, read the GitHub secrets, invoke dispatch.
 */
import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AgentTask } from './agent-task.js';
import type { AppSecrets } from './app-secrets.js';
import { NightshiftFunction } from './nightshift-function.js';
import { grantTaskAccess } from './task-access.js';
import type { TasksTable } from './tasks-table.js';

export interface TaskEventsProps {
  environment: Record<string, string>;
  tasks: TasksTable;
  secrets: AppSecrets;
  agent: AgentTask;
  dispatch: NightshiftFunction;
  deadLetterQueue: IQueue;
  logRetention: RetentionDays;
}

export class TaskEvents extends Construct {
  readonly handler: NightshiftFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: TaskEventsProps) {
    super(scope, id);
    this.handler = new NightshiftFunction(this, 'TaskEvents', {
      entry: 'functions/task-events/handler.ts',
      description: 'Nightshift: fail the task of an agent container that stopped without ending it',
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      environment: { ...props.environment, DISPATCH_FUNCTION_NAME: props.dispatch.functionName },
      async: {
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: new SqsDestination(props.deadLetterQueue),
      },
    });
    const role = this.handler.role;
    grantTaskAccess(role, props.tasks);
    props.secrets.grantGitHubSecrets(role);
    props.dispatch.grantInvokeTo(role);

    this.rule = new Rule(this, 'TaskStopped', {
      description: 'Nightshift agent tasks that stopped',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [props.agent.cluster.clusterArn], lastStatus: ['STOPPED'] },
      },
    });
    this.rule.addTarget(
      new LambdaFunction(this.handler.function, {
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: props.deadLetterQueue,
      }),
    );
  }
}
