/**
 * The month's spend as CloudWatch metrics (Embedded Metric Format lines on stdout, written by
 * Powertools' Metrics, as functions/alarm-metrics.ts does): after each agent task on AWS stops,
 * its repository's and its installation's spend so far this month. The installation's figure has
 * only the service dimension, so one alarm (at 80% of the installation budget, with the Maximum
 * statistic) watches every installation of the deployment; the repository's has the repository
 * as a dimension, for a dashboard per repository.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { budgetMonth } from '../core/budget.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { Task } from '../core/task.js';
import { METRIC_SERVICE } from './alarm-metrics.js';

export const REPOSITORY_MONTH_SPEND = 'RepositoryMonthSpendUsd';
export const INSTALLATION_MONTH_SPEND = 'InstallationMonthSpendUsd';

export async function publishMonthSpend(
  store: Pick<TaskStore, 'monthSpend'>,
  task: Pick<Task, 'repository' | 'installationId'>,
  now: Date,
): Promise<{ repositoryUsd: number; installationUsd: number }> {
  const month = budgetMonth(now);
  const [repositoryUsd, installationUsd] = await Promise.all([
    store.monthSpend('repository', task.repository, month),
    store.monthSpend('installation', String(task.installationId), month),
  ]);
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Nightshift',
    serviceName: METRIC_SERVICE,
  });
  const perRepository = metrics.singleMetric();
  perRepository.addDimension('repository', task.repository.toLowerCase());
  perRepository.addMetric(REPOSITORY_MONTH_SPEND, MetricUnit.NoUnit, repositoryUsd);
  metrics.singleMetric().addMetric(INSTALLATION_MONTH_SPEND, MetricUnit.NoUnit, installationUsd);
  return { repositoryUsd, installationUsd };
}
