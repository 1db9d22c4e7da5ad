/**
 * Metrics that alarms watch, written as CloudWatch Embedded Metric Format lines on stdout (by
 * Powertools' Metrics): CloudWatch Logs turns each into a metric point, so no API call and no
 * permission is needed, and a failure to publish cannot hide the failure it reports. Locally the
 * line is printed and nothing reads it.
 *
 * The namespace is POWERTOOLS_METRICS_NAMESPACE (the stack sets `Nightshift/<stack name>`, where
 * its alarms look), else `Nightshift`; every metric has the dimension `service: nightshift`.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRIC_SERVICE = 'nightshift';

/** A runner the sweeper had to stop (past the hard maximum, hung) could not be stopped. */
export const RUNNER_STOP_FAILURES = 'RunnerStopFailures';

let metrics: Metrics | undefined;

export function countMetric(name: typeof RUNNER_STOP_FAILURES): void {
  metrics ??= new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'Nightshift',
    serviceName: METRIC_SERVICE,
  });
  // A single metric is written at once, not held for the end of the invocation.
  metrics.singleMetric().addMetric(name, MetricUnit.Count, 1);
}
