/**
 * The end of a task's work, however it comes: the clean-up steps (the shell closed, the sandbox
 * disposed of, the task folder removed) run each once, in reverse order; and a stop from outside
 * (SIGTERM from the local runner at shutdown, or the sweeper giving up on the task) ends the task
 * at once instead of leaving its folder behind.
 */
import { sleep } from '../core/sleep.js';
import type { Ended } from './work-context.js';

/** How long the interrupted work may take to notice, once its tools and folder are gone. */
const SETTLE_MS = 10_000;

/** Run and remove each step, last added first; a step that fails does not stop the others. */
export async function runCleanup(steps: Array<() => Promise<unknown>>): Promise<void> {
  for (let step = steps.pop(); step; step = steps.pop()) await step().catch(() => undefined);
}

/**
 * `work`, unless `signal` stops it first: then the tools are stopped and their folder removed
 * right away (the work in flight fails fast on its closed shell), the work is given a moment to
 * settle, and the task ends as failed, saying why.
 */
export async function untilStopped(
  work: Promise<Ended>,
  signal: AbortSignal | undefined,
  cleanup: Array<() => Promise<unknown>>,
): Promise<Ended> {
  if (!signal) return work;
  let onAbort = () => undefined as void;
  const stopped = new Promise<'stopped'>((resolve) => {
    onAbort = () => resolve('stopped');
    if (signal.aborted) resolve('stopped');
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([work, stopped]);
    if (first !== 'stopped') return first;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  await runCleanup(cleanup);
  await Promise.race([work.catch(() => undefined), sleep(SETTLE_MS)]);
  const why = typeof signal.reason === 'string' ? signal.reason : 'a stop request';
  return {
    status: 'failed',
    outcome: {
      conclusion: 'failure',
      headline: 'Nightshift was stopped while working',
      summary: `The task's process was stopped (${why}) before it finished, for example because the server shut down. Its workspace was removed. Retry to run it again.`,
    },
  };
}
