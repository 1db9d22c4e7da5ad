/**
 * CloudWatch alarms, and where they notify (an SNS topic: created for `alarmEmail`, or an existing
 * one by ARN; with neither, the alarms only show in the console).
 *
 * - dispatch errors: the dispatch function threw (it could not even record a failure: a secret not
 *   set, the table unreachable, a bug);
 * - webhook errors: deliveries GitHub got a 5xx for;
 * - sweeper errors: a sweep failed (it is not retried; stuck tasks stay stuck until one succeeds);
 * - dead-letter queue: an event was given up on after its retries;
 * - failed agent tasks: more than N tasks ended failed within an hour.
 *
 * "Failed agent tasks" is counted by metric filters on the four log groups where a task can fail,
 * matching the JSON lines (pino) the code writes at that moment:
 *   - agent-task/step-log.ts        the `end` step with `status: failed` (the agent gave up or errored);
 *   - functions/runner-stopped.ts   `runner stopped before the task ended: failing it` (the container
 *                                   crashed, ran out of memory, or could not start: task-events;
 *                                   it never claimed its task, or its heartbeat lapsed: sweeper);
 *   - functions/dispatch/dispatch.ts `dispatch failed` (RunTask refused, GitHub unreachable…).
 * All three publish the same metric, so one alarm sees them all. (An EventBridge rule on stopped
 * tasks would only see the second kind: a task that fails gracefully exits 0.) test/cdk checks that
 * those lines are still in the code.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { NightshiftFunction } from './nightshift-function.js';

/** The log lines that mean "a task ended failed", by where they are written. */
export const FAILED_TASK_LOG_LINES = {
  agent: { step: 'end', status: 'failed' },
  taskEvents: { msg: 'runner stopped before the task ended: failing it' },
  sweeper: { msg: 'runner stopped before the task ended: failing it' },
  dispatch: { msg: 'dispatch failed' },
} as const;

export const FAILED_TASKS_METRIC = 'AgentTasksFailed';

export interface AlarmsProps {
  dispatch: NightshiftFunction;
  webhook: NightshiftFunction;
  taskEvents: NightshiftFunction;
  sweeper: NightshiftFunction;
  agentLogs: ILogGroup;
  deadLetterQueue: IQueue;
  failedTasksThreshold: number;
  alarmEmail?: string;
  alarmTopicArn?: string;
}

export class Alarms extends Construct {
  readonly topic: ITopic | undefined;
  readonly dispatchErrors: Alarm;
  readonly webhookErrors: Alarm;
  readonly sweeperErrors: Alarm;
  readonly deadLetters: Alarm;
  readonly failedTasks: Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const namespace = `Nightshift/${Stack.of(this).stackName}`;
    const five = Duration.minutes(5);

    this.dispatchErrors = new Alarm(this, 'DispatchErrors', {
      alarmDescription: 'The Nightshift dispatch function failed (see its logs); tasks may be stuck queued.',
      metric: props.dispatch.function.metricErrors({ period: five, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.webhookErrors = new Alarm(this, 'WebhookErrors', {
      alarmDescription:
        'The Nightshift webhook failed deliveries (GitHub got a 5xx; redeliver them from the App settings).',
      metric: props.webhook.function.metricErrors({ period: five, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.sweeperErrors = new Alarm(this, 'SweeperErrors', {
      alarmDescription:
        'The Nightshift sweeper failed (see its logs); stuck tasks are not re-dispatched, failed or timed out until it succeeds.',
      metric: props.sweeper.function.metricErrors({ period: five, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLetters = new Alarm(this, 'DeadLetters', {
      alarmDescription:
        'Nightshift gave up on an event after its retries: read it from the dead-letter queue.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: five,
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const sources: Array<[string, ILogGroup, Record<string, string>]> = [
      ['Agent', props.agentLogs, FAILED_TASK_LOG_LINES.agent],
      ['TaskEvents', props.taskEvents.logGroup, FAILED_TASK_LOG_LINES.taskEvents],
      ['Sweeper', props.sweeper.logGroup, FAILED_TASK_LOG_LINES.sweeper],
      ['Dispatch', props.dispatch.logGroup, FAILED_TASK_LOG_LINES.dispatch],
    ];
    for (const [name, logGroup, fields] of sources) {
      new MetricFilter(this, `${name}FailedTasks`, {
        logGroup,
        filterPattern: FilterPattern.all(
          ...Object.entries(fields).map(([field, value]) =>
            FilterPattern.stringValue(`$.${field}`, '=', value),
          ),
        ),
        metricNamespace: namespace,
        metricName: FAILED_TASKS_METRIC,
        metricValue: '1',
      });
    }
    this.failedTasks = new Alarm(this, 'FailedTasks', {
      alarmDescription: `At least ${props.failedTasksThreshold} Nightshift tasks failed within an hour (see the check runs and the agent's logs).`,
      metric: new Metric({
        namespace,
        metricName: FAILED_TASKS_METRIC,
        period: Duration.hours(1),
        statistic: 'Sum',
      }),
      threshold: props.failedTasksThreshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.topic = props.alarmTopicArn
      ? Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn)
      : props.alarmEmail
        ? this.emailTopic(props.alarmEmail)
        : undefined;
    if (this.topic) {
      const action = new SnsAction(this.topic);
      for (const alarm of [
        this.dispatchErrors,
        this.webhookErrors,
        this.sweeperErrors,
        this.deadLetters,
        this.failedTasks,
      ]) {
        alarm.addAlarmAction(action);
      }
    }
  }

  /**
   * A topic for the alarms, TLS only. Not encrypted with KMS: CloudWatch cannot publish to a topic
   * under the AWS-managed SNS key, a customer key costs $1 a month, and alarm notices hold no secret.
   */
  private emailTopic(email: string): Topic {
    const topic = new Topic(this, 'Topic', { displayName: 'Nightshift alarms', enforceSSL: true });
    topic.addSubscription(new EmailSubscription(email));
    return topic;
  }
}
