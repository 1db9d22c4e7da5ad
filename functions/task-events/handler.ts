/**
 * Lambda entry for EventBridge "ECS Task State Change" events of this cluster. Only STOPPED
 * matters: a task whose container stopped without ending it is failed with the stop reason.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { readAppEnv } from '../../core/env.js';
import { connectStore } from '../../core/store/connect.js';
import { LambdaDispatcher } from '../lambda-dispatcher.js';
import { createLogger, createProbot } from '../probot.js';
import { onRunnerStopped, type RunnerStoppedDeps } from '../runner-stopped.js';
import { resolveSecrets } from '../secrets.js';

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

/** The task id we passed in, and a human reason for the stop. */
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
  return { taskId, reason: parts.join(' · ') || 'stopped', ...(runnerId ? { runnerId } : {}) };
}

async function init(): Promise<RunnerStoppedDeps> {
  const env = readAppEnv(await resolveSecrets(process.env));
  const log = createLogger(env.LOG_LEVEL);
  const probot = createProbot(env, log);
  const { store } = await connectStore(process.env);
  const dispatchFunction = process.env.DISPATCH_FUNCTION_NAME;
  if (!dispatchFunction) throw new Error('DISPATCH_FUNCTION_NAME is not set');
  return {
    store,
    log,
    octokitFor: (id) => probot.auth(id),
    dispatcher: new LambdaDispatcher(new LambdaClient({}), dispatchFunction),
    secrets: () => [env.privateKey, env.WEBHOOK_SECRET],
  };
}

let ready: Promise<RunnerStoppedDeps> | undefined;

export async function handler(event: EcsStateChange): Promise<void> {
  const stop = readStopEvent(event);
  if (!stop) return;
  ready ??= init().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  await onRunnerStopped(await ready, stop.taskId, stop.reason, 'failure', stop.runnerId);
}
