/**
 * The sweeper function, on an EventBridge schedule (every 5 minutes by default): nothing stays in
 * flight forever (functions/sweeper/sweep.ts).
 *  - a task recorded but never dispatched (the dispatch event was lost) is dispatched again, and
 *    failed after an hour;
 *  - a task dispatched whose runner never started it is failed (its ECS task stopped, if any);
 *  - a running task whose heartbeat lapsed is timed out (its ECS task stopped);
 *  - a task waiting on a target that nobody holds is promoted.
 *
 * A failed sweep is not retried, neither by EventBridge nor by Lambda, and goes to no dead-letter
 * queue: the event carries nothing, and the next scheduled run does the same work a few minutes
 * later. An alarm watches its errors instead.
 *
 * Its role: read and write tasks, read the GitHub secrets, invoke dispatch, stop this cluster's
 * tasks.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AgentTask } from './agent-task.js';
import type { AppSecrets } from './app-secrets.js';
import { nagClusterTasksArn } from './nag.js';
import { NightshiftFunction } from './nightshift-function.js';
import { grantTaskAccess } from './task-access.js';
import type { TasksTable } from './tasks-table.js';

/** A sweep is not retried: the next scheduled run comes soon. */
export const SWEEPER_RETRY_ATTEMPTS = 0;

export interface SweeperProps {
  /** APP_ID, TABLE_NAME, the secrets' ARNs, GITHUB_API_URL, LOG_LEVEL. */
  environment: Record<string, string>;
  tasks: TasksTable;
  secrets: AppSecrets;
  agent: AgentTask;
  dispatch: NightshiftFunction;
  /** How often it runs (whole minutes, at least one). */
  interval: Duration;
  logRetention: RetentionDays;
}

export class Sweeper extends Construct {
  readonly handler: NightshiftFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: SweeperProps) {
    super(scope, id);
    const { agent, interval } = props;
    this.handler = new NightshiftFunction(this, 'Sweeper', {
      entry: 'functions/sweeper/handler.ts',
      description: 'Nightshift: re-dispatch, fail, time out or promote tasks that are stuck in flight',
      // Shorter than the interval, so that two sweeps never overlap.
      timeout: Duration.minutes(Math.min(2, interval.toMinutes())),
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        DISPATCH_FUNCTION_NAME: props.dispatch.functionName,
        ECS_CLUSTER: agent.cluster.clusterArn,
      },
      // An event older than the interval has been overtaken by the next one.
      async: { retryAttempts: SWEEPER_RETRY_ATTEMPTS, maxEventAge: interval },
    });
    const role = this.handler.role;
    grantTaskAccess(role, props.tasks);
    props.secrets.grantGitHubSecrets(role);
    props.dispatch.grantInvokeTo(role);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ecs:StopTask'],
        resources: [agent.clusterTasksArn()],
        conditions: { ArnEquals: { 'ecs:cluster': agent.cluster.clusterArn } },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagClusterTasksArn(agent)}]`,
      reason:
        'ecs:StopTask on the tasks of this cluster (their ids are not known in advance), and the condition ' +
        'requires the same cluster: the sweeper stops an agent task that never claimed its Nightshift task or ' +
        'whose heartbeat lapsed.',
    });

    this.rule = new Rule(this, 'Schedule', {
      description: 'Nightshift: run the sweeper',
      schedule: Schedule.rate(interval),
    });
    this.rule.addTarget(
      new LambdaFunction(this.handler.function, {
        retryAttempts: SWEEPER_RETRY_ATTEMPTS,
        maxEventAge: interval,
      }),
    );
  }
}
