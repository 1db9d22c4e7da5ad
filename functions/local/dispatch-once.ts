/**
 * `nightshift run` without a server: dispatch one task through the same code path as a webhook
 * would (permission gate, config, lock, check run, runner) and wait until its runner exits.
 * Logs go to `logFile`, not the terminal, where `nightshift run` shows its live progress line.
 */
import { pino } from 'pino';
import { compose } from '../composition/compose.js';

export async function dispatchOnce(taskId: string, logFile: string): Promise<void> {
  const log = pino(
    { level: process.env.LOG_LEVEL ?? 'info', base: { service: 'nightshift' } },
    pino.destination({ dest: logFile, mkdir: true, sync: true }),
  );
  const { local } = await compose(process.env, {
    placement: 'local',
    connect: { createTable: true },
    log,
  });
  if (!local?.queue) throw new Error('nightshift run: the local composition has no in-process queue');
  await local.queue.send({ type: 'dispatch', taskId });
  await local.queue.idle();
  await local.children.drain(Number.POSITIVE_INFINITY);
  await local.queue.idle();
}
