/**
 * `nightshift run` without a server: dispatch one task through the same code path as a webhook
 * would (permission gate, config, lock, check run, runner) and wait until its runner exits.
 */
import { readAppEnv } from '../../core/env.js';
import { connectStore } from '../../core/store/connect.js';
import { buildLocalDeps } from './local-deps.js';

export async function dispatchOnce(taskId: string): Promise<void> {
  const env = readAppEnv();
  const connection = await connectStore(process.env, { createTable: true });
  const { dispatcher, children: runner } = buildLocalDeps(env, connection);
  await dispatcher.send({ type: 'dispatch', taskId });
  await dispatcher.idle();
  await runner.drain(Number.POSITIVE_INFINITY);
  await dispatcher.idle();
}
