/** Lambda entry for dispatch (invoked asynchronously by the webhook): wiring only. */
import { ECSClient } from '@aws-sdk/client-ecs';
import type { DispatchMessage } from '../../core/ports.js';
import { dispatchFunction, lambdaContext, once } from '../lambda-context.js';
import { ecsRunnerFromEnv } from '../runners/ecs-runner.js';
import { handleDispatchMessage, type DispatchDeps } from './dispatch.js';

const ready = once(async (): Promise<DispatchDeps> => {
  const context = await lambdaContext();
  return {
    ...context,
    maxConcurrentTasks: context.env.NIGHTSHIFT_MAX_CONCURRENT_TASKS,
    // Dispatch hands the next waiting task to itself.
    dispatcher: dispatchFunction(process.env.AWS_LAMBDA_FUNCTION_NAME),
    runner: ecsRunnerFromEnv(process.env, new ECSClient({})),
  };
});

export async function handler(event: DispatchMessage): Promise<void> {
  await handleDispatchMessage(await ready(), event);
}
