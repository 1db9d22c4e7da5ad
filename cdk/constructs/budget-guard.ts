/**
 * Monthly spend on AWS (issue 16): the installation's budget reaches dispatch
 * (NIGHTSHIFT_INSTALLATION_MONTHLY_USD, from the `installationMonthlyUsd` context value), and the
 * task-events function, which runs as each agent task stops, publishes the month's spend of the
 * task's repository and installation as EMF metrics (functions/spend-metrics.ts) in the stack's
 * namespace. With a budget, an alarm fires once any installation has spent 80% of it.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { NightshiftFunction } from './nightshift-function.js';
// The metric's name and dimension as the task-events function writes them; the warning share.
import { METRIC_SERVICE } from '../../functions/alarm-metrics.js';
import { INSTALLATION_MONTH_SPEND } from '../../functions/spend-metrics.js';
import { BUDGET_WARNING_SHARE } from '../../core/budget.js';

export interface BudgetGuardProps {
  dispatch: NightshiftFunction;
  taskEvents: NightshiftFunction;
  /** Each installation's monthly budget in USD; unset: no budget, no alarm (the metrics still). */
  installationMonthlyUsd?: number;
  topic?: ITopic;
}

export class BudgetGuard extends Construct {
  readonly alarm?: Alarm;

  constructor(scope: Construct, id: string, props: BudgetGuardProps) {
    super(scope, id);
    const namespace = `Nightshift/${Stack.of(this).stackName}`;
    props.taskEvents.function.addEnvironment('POWERTOOLS_METRICS_NAMESPACE', namespace);
    const budget = props.installationMonthlyUsd;
    if (budget === undefined) return;
    props.dispatch.function.addEnvironment('NIGHTSHIFT_INSTALLATION_MONTHLY_USD', String(budget));
    this.alarm = new Alarm(this, 'InstallationSpend', {
      alarmDescription:
        `An installation of Nightshift has spent ${Math.round(BUDGET_WARNING_SHARE * 100)}% of its monthly ` +
        `budget ($${budget}, installationMonthlyUsd): at 100% its new tasks are refused until the month ends. ` +
        'nightshift stats --aws shows the spend per repository and person.',
      metric: new Metric({
        namespace,
        metricName: INSTALLATION_MONTH_SPEND,
        dimensionsMap: { service: METRIC_SERVICE },
        period: Duration.hours(1),
        statistic: 'Maximum',
      }),
      threshold: budget * BUDGET_WARNING_SHARE,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.topic) this.alarm.addAlarmAction(new SnsAction(props.topic));
  }
}
