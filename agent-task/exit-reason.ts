/**
 * The agent process's last words. When it fails without ending its task (a setting missing, the
 * store refusing its claim, a crash around the work), it stores why on the task record; the
 * control plane, which ends the task when its runner stops (functions/runner-stopped.ts), reports
 * it on the record, the check run and the tracking comment. On ECS this is the only way the
 * reason gets there: the stop event knows the exit code, not what the program said.
 */
import { ZodError } from 'zod';
import { redactSecrets } from '../core/sanitize.js';
import type { TaskStore } from '../core/store/task-store.js';
import { withFreshTask } from '../core/store/with-fresh-task.js';
import { isTerminal, runnerHoldsTask, type Task } from '../core/task.js';

const MAX_REASON_CHARS = 2000;

/** One readable line for what went wrong: an invalid environment names each variable. */
export function describeFailure(error: unknown): string {
  if (error instanceof ZodError) {
    const problems = error.issues.map((issue) => {
      const name = issue.path.map(String).join('.') || 'the environment';
      return issue.code === 'invalid_type' && /received undefined/.test(issue.message)
        ? `${name} is not set`
        : `${name}: ${issue.message}`;
    });
    return `the agent's environment is not usable: ${problems.join('; ')}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** `reason`, redacted with the secrets this process holds, and kept short. */
export function exitReasonText(reason: string, secrets: readonly string[]): string {
  const redacted = redactSecrets(reason, secrets).trim();
  return redacted.length > MAX_REASON_CHARS ? `${redacted.slice(0, MAX_REASON_CHARS)} …` : redacted;
}

/**
 * Store `reason` on the task if this runner may speak for it (still waiting for its runner, or
 * held by this one) and it has not ended. Returns whether it was stored.
 */
export async function recordExitReason(
  store: TaskStore,
  taskId: string,
  runnerId: string,
  reason: string,
): Promise<boolean> {
  const ours = (task: Task | undefined): task is Task =>
    task !== undefined && !isTerminal(task.status) && runnerHoldsTask(task, runnerId);
  const task = await store.get(taskId);
  if (!ours(task)) return false;
  const stored = await withFreshTask(store, task, async (current) =>
    ours(current) ? store.update(current, { exitReason: reason }) : undefined,
  );
  return stored !== undefined;
}
