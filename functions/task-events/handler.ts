/**
 * Lambda entry for EventBridge "ECS Task State Change" events of this cluster. Only STOPPED
 * matters: a task whose container stopped without ending it is failed with the stop reason, and
 * the month's spend of its repository and installation is published (functions/spend-metrics.ts).
 */
import { compose } from '../composition/compose.js';
import { once } from '../once.js';
import { onRunnerStopped } from '../runner-stopped.js';
import { publishMonthSpend } from '../spend-metrics.js';

export interface EcsStateChange {
  'detail-type'?: string;
  detail: {
    lastStatus?: string;
    stoppedReason?: string;
    stopCode?: string;
    taskArn?: string;
    containers?: Array<{ name?: string; exitCode?: number; reason?: string }>;
    overrides?: { containerOverrides?: Array<{ environment?: Array<{ name?: string; value?: string }> }> };
  };
}

/**
 * The task id we passed in, and the stop in a container's words: ECS's stop code and reason and
 * the exit code. What the agent said about it is on the task record (`exitReason`), written by
 * the agent before it exited; its logs are in CloudWatch.
 */
export function readStopEvent(
  event: EcsStateChange,
): { taskId: string; reason: string; runnerId?: string } | undefined {
  if (event.detail.lastStatus !== 'STOPPED') return undefined;
  const taskId = event.detail.overrides?.containerOverrides
    ?.flatMap((o) => o.environment ?? [])
    .find((e) => e.name === 'TASK_ID')?.value;
  if (!taskId) return undefined;
  const container = event.detail.containers?.[0];
  const parts = [
    event.detail.stopCode,
    event.detail.stoppedReason,
    container?.exitCode !== undefined ? `exit code ${container.exitCode}` : undefined,
    container?.exitCode === 137 ? '(killed: out of memory or stopped)' : undefined,
    container?.reason,
  ].filter(Boolean);
  const runnerId = event.detail.taskArn;
  const reason = `its container stopped${parts.length ? `: ${parts.join(' · ')}` : ''}`;
  return { taskId, reason, ...(runnerId ? { runnerId } : {}) };
}

const ready = once(async () => (await compose(process.env, { placement: 'lambda' })).deps);

export async function handler(event: EcsStateChange): Promise<void> {
  const stop = readStopEvent(event);
  if (!stop) return;
  const deps = await ready();
  await onRunnerStopped(deps, stop.taskId, stop.reason, 'failure', stop.runnerId);
  // The task's spend is all recorded now: the month's figures for the budget alarm.
  const task = await deps.store.get(stop.taskId);
  if (task) await publishMonthSpend(deps.store, task, new Date());
}
