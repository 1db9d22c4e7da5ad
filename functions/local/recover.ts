/**
 * At start-up, nothing of ours is running yet: a task still marked dispatched or running was left
 * by a process that died. Fail it cleanly (check run concluded, lock released), start what waited
 * behind it, and dispatch tasks recorded but never dispatched.
 */
import type { DispatchDeps } from '../dispatch/dispatch.js';
import { onRunnerStopped } from '../runner-stopped.js';

export async function recoverOrphans(deps: DispatchDeps): Promise<{ failed: number; redispatched: number }> {
  const now = new Date(Date.now() + 1000).toISOString();
  let failed = 0;
  for (const status of ['dispatched', 'running'] as const) {
    for (const task of await deps.store.listStale(status, now)) {
      await onRunnerStopped(deps, task.id, 'the local server stopped while this task ran (it was restarted)');
      failed++;
    }
  }
  let redispatched = 0;
  for (const task of await deps.store.listStale('queued', now)) {
    await deps.dispatcher.send({ type: 'dispatch', taskId: task.id });
    redispatched++;
  }
  return { failed, redispatched };
}
