/** Lambda entry for the scheduled sweeper (EventBridge schedule): wiring only. */
import { ECSClient } from '@aws-sdk/client-ecs';
import { dispatchFunction, lambdaContext, once } from '../lambda-context.js';
import { stopEcsTask } from '../runners/ecs-runner.js';
import { sweep, type SweepDeps, type SweepReport } from './sweep.js';

const ready = once(async (): Promise<SweepDeps> => {
  const cluster = process.env.ECS_CLUSTER;
  if (!cluster) throw new Error('ECS_CLUSTER is not set');
  const ecs = new ECSClient({});
  return {
    ...(await lambdaContext()),
    dispatcher: dispatchFunction(),
    runner: { stop: (runnerId, reason) => stopEcsTask(ecs, cluster, runnerId, reason) },
  };
});

export async function handler(): Promise<SweepReport> {
  return sweep(await ready());
}
