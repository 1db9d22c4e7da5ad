/** Lambda entry for dispatch (invoked asynchronously by the webhook): wiring only. */
import { compose } from '../composition/compose.js';
import { once } from '../once.js';
import { handleDispatchMessage } from './dispatch.js';
import { decodeDispatchEvent } from './dispatch-event.js';

// Dispatch hands the next waiting task to itself.
const ready = once(
  async () =>
    (
      await compose(process.env, {
        placement: 'lambda',
        dispatchFunctionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      })
    ).deps,
);

/** An async invoke's one message, or an SQS batch of them (see dispatch-event.ts). */
export async function handler(event: unknown): Promise<void> {
  const messages = decodeDispatchEvent(event);
  const deps = await ready();
  for (const message of messages) await handleDispatchMessage(deps, message);
}
