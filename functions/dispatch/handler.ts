/** Lambda entry for dispatch (invoked asynchronously by the webhook): wiring only. */
import { ECSClient } from '@aws-sdk/client-ecs';
import { dispatchFunction, lambdaContext, once } from '../lambda-context.js';
import { ecsRunnerFromEnv } from '../runners/ecs-runner.js';
import { handleDispatchMessage, type DispatchDeps } from './dispatch.js';
import { decodeDispatchEvent } from './dispatch-event.js';

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

/** An async invoke's one message, or an SQS batch of them (see dispatch-event.ts). */
export async function handler(event: unknown): Promise<void> {
  const messages = decodeDispatchEvent(event);
  const deps = await ready();
  for (const message of messages) await handleDispatchMessage(deps, message);
}
