/**
 * What keeps a deployment healthy in its first week (issue 19's runtime half), kept apart from the
 * constructs it adds to:
 *
 * - **Lost webhooks**: a function on a schedule (every 10 minutes) lists the App's recent webhook
 *   deliveries as the App and asks GitHub again for those that failed (functions/redelivery/).
 *   Its role: the App private key (it signs the App's JWT) and the table (the memo that makes each
 *   redelivery happen at most once). No webhook secret, no dispatch.
 * - **The deployment's cap**: dispatch gets NIGHTSHIFT_MAX_DEPLOYMENT_TASKS, so tasks beyond it
 *   wait instead of meeting the account's Fargate quota.
 * - **Nothing runs for ever**: the agent gets NIGHTSHIFT_MAX_TASK_MINUTES (the most its
 *   `limits.minutes` may be), and the sweeper too, with ecs:ListTasks and ecs:DescribeTasks on this
 *   cluster to find agent tasks past that maximum and a grace, whatever the table says.
 * - **Alarms**: a runner the sweeper could not stop (the EMF metric `RunnerStopFailures` the
 *   sweeper writes, functions/alarm-metrics.ts), the webhook function throttled (GitHub got an
 *   error: redelivery follows), and the redelivery function failing.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { AgentTask } from './agent-task.js';
import type { AppSecrets } from './app-secrets.js';
import { NightshiftFunction } from './nightshift-function.js';
import { grantTaskAccess } from './task-access.js';
import type { TasksTable } from './tasks-table.js';
// The metric's name and dimension as the sweeper writes them.
import { METRIC_SERVICE, RUNNER_STOP_FAILURES } from '../../functions/alarm-metrics.js';

export const REDELIVERY_INTERVAL = Duration.minutes(10);

export interface RuntimeGuardsProps {
  /** APP_ID, TABLE_NAME, GITHUB_API_URL, LOG_LEVEL (the secrets' ARNs are taken from `secrets`). */
  environment: { APP_ID: string; TABLE_NAME: string; GITHUB_API_URL: string; LOG_LEVEL: string };
  tasks: TasksTable;
  secrets: AppSecrets;
  agent: AgentTask;
  dispatch: NightshiftFunction;
  sweeper: NightshiftFunction;
  webhook: NightshiftFunction;
  /** Tasks of the whole deployment at once (NIGHTSHIFT_MAX_DEPLOYMENT_TASKS). */
  maxDeploymentTasks: number;
  /** The most minutes any task may run (NIGHTSHIFT_MAX_TASK_MINUTES). */
  maxTaskMinutes: number;
  /** Where the alarms notify, if anywhere (the Alarms construct's topic). */
  topic?: ITopic;
  logRetention: RetentionDays;
}

export class RuntimeGuards extends Construct {
  readonly redelivery: NightshiftFunction;
  readonly schedule: Rule;
  readonly runnerStopFailures: Alarm;
  readonly webhookThrottles: Alarm;
  readonly redeliveryErrors: Alarm;

  constructor(scope: Construct, id: string, props: RuntimeGuardsProps) {
    super(scope, id);
    const { agent } = props;
    const namespace = `Nightshift/${Stack.of(this).stackName}`;

    this.redelivery = new NightshiftFunction(this, 'Redelivery', {
      entry: 'functions/redelivery/handler.ts',
      description: 'Nightshift: ask GitHub again for the webhook deliveries that failed',
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: {
        ...props.environment,
        PRIVATE_KEY_SECRET_ARN: props.secrets.privateKey.secretArn,
      },
      // The next scheduled run does the same work: an event is never retried.
      async: { retryAttempts: 0, maxEventAge: REDELIVERY_INTERVAL },
    });
    grantTaskAccess(this.redelivery.role, props.tasks);
    props.secrets.grantPrivateKey(this.redelivery.role);
    this.schedule = new Rule(this, 'Schedule', {
      description: 'Nightshift: redeliver failed webhook deliveries',
      schedule: Schedule.rate(REDELIVERY_INTERVAL),
    });
    this.schedule.addTarget(
      new LambdaFunction(this.redelivery.function, { retryAttempts: 0, maxEventAge: REDELIVERY_INTERVAL }),
    );

    props.dispatch.function.addEnvironment(
      'NIGHTSHIFT_MAX_DEPLOYMENT_TASKS',
      String(props.maxDeploymentTasks),
    );
    const maxMinutes = String(props.maxTaskMinutes);
    agent.container.addEnvironment('NIGHTSHIFT_MAX_TASK_MINUTES', maxMinutes);
    props.sweeper.function.addEnvironment('NIGHTSHIFT_MAX_TASK_MINUTES', maxMinutes);
    // The EMF lines of the sweeper land where the alarms look.
    props.sweeper.function.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', namespace);
    this.grantListAgentTasks(props.sweeper, agent);

    const five = Duration.minutes(5);
    const alarm = (name: string, description: string, metric: Metric) =>
      new Alarm(this, name, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    this.runnerStopFailures = alarm(
      'RunnerStopFailures',
      'The Nightshift sweeper could not stop an agent task (past the hard maximum, hung, or never started): ' +
        "it may still be running and costing money. Stop it in the ECS console; the sweeper's log names it.",
      new Metric({
        namespace,
        metricName: RUNNER_STOP_FAILURES,
        dimensionsMap: { service: METRIC_SERVICE },
        period: five,
        statistic: 'Sum',
      }),
    );
    this.webhookThrottles = alarm(
      'WebhookThrottles',
      'The Nightshift webhook function was throttled: GitHub got an error for those deliveries. ' +
        'The redelivery function asks for them again; raise the reserved concurrency if it recurs.',
      props.webhook.function.metricThrottles({ period: five, statistic: 'Sum' }),
    );
    this.redeliveryErrors = alarm(
      'RedeliveryErrors',
      'The Nightshift redelivery function failed (see its logs): failed webhook deliveries are not asked for again.',
      this.redelivery.function.metricErrors({ period: five, statistic: 'Sum' }),
    );
    if (props.topic) {
      const action = new SnsAction(props.topic);
      for (const a of [this.runnerStopFailures, this.webhookThrottles, this.redeliveryErrors])
        a.addAlarmAction(action);
    }
  }

  /**
   * ListTasks (no resource-level ARN: the condition names the cluster) and DescribeTasks (on the
   * cluster's tasks, as StopTask: the sweeper's acknowledgement of that resource covers both).
   */
  private grantListAgentTasks(sweeper: NightshiftFunction, agent: AgentTask): void {
    const onCluster = { ArnEquals: { 'ecs:cluster': agent.cluster.clusterArn } };
    sweeper.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ecs:ListTasks'],
        resources: ['*'],
        conditions: onCluster,
      }),
    );
    sweeper.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ecs:DescribeTasks'],
        resources: [agent.clusterTasksArn()],
        conditions: onCluster,
      }),
    );
    Validations.of(sweeper.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecs:ListTasks has no resource-level ARN; the condition limits it to this cluster. The sweeper lists ' +
        "the cluster's agent tasks to stop any that ran past the deployment's maximum.",
    });
  }
}
