/**
 * `nightshift run` without a server: dispatch one task through the same code path as a webhook
 * would (permission gate, config, lock, check run, runner) and wait until its runner exits.
 */
import { compose } from '../composition/compose.js';

export async function dispatchOnce(taskId: string): Promise<void> {
  const { local } = await compose(process.env, { placement: 'local', connect: { createTable: true } });
  if (!local?.queue) throw new Error('nightshift run: the local composition has no in-process queue');
  await local.queue.send({ type: 'dispatch', taskId });
  await local.queue.idle();
  await local.children.drain(Number.POSITIVE_INFINITY);
  await local.queue.idle();
}
