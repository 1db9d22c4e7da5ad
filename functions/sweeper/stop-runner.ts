/**
 * The sweeper's stops: a runner it decided to stop (hung, never claimed its task, past the hard
 * maximum) and could not is an alarm, never swallowed: an agent left running costs money and
 * may still act. The error is logged with the runner, and the alarm metric counted.
 */
import type { Logger } from 'pino';
import type { Runner } from '../../core/ports.js';
import { RUNNER_STOP_FAILURES, countMetric } from '../alarm-metrics.js';

/** Stop `runnerId`; true when stopped (or already gone), false when the stop failed. */
export async function stopRunner(
  runner: Pick<Runner, 'stop'>,
  log: Logger,
  runnerId: string,
  reason: string,
): Promise<boolean> {
  try {
    await runner.stop(runnerId, reason);
    return true;
  } catch (error) {
    log.error({ err: error, runnerId, reason }, 'sweep: could not stop a runner');
    countMetric(RUNNER_STOP_FAILURES);
    return false;
  }
}
