/**
 * How a task ends and what follows: every path that ends a task comes through here, so the status
 * is terminal, the target's lock and the installation's slot released (the store does both in the
 * same write), the check run or tracking comment concluded, and the next task waiting on the
 * target, or for one of the installation's slots, started.
 */
import type { RepositoryGateway } from './github/repository-gateway.js';
import { settleMessages } from './messages.js';
import type { Dispatcher } from './ports.js';
import { TaskSurface } from './github/task-surface.js';
import type { Outcome } from './report.js';
import {
  TaskFinishedError,
  VersionConflictError,
  type TaskChanges,
  type TaskStore,
} from './store/task-store.js';
import { withFreshTask } from './store/with-fresh-task.js';
import { isTerminal, type Task } from './task.js';

export type EndStatus = 'succeeded' | 'failed' | 'cancelled';

/** Move the task to a terminal status, retrying on a lost race; a task already ended is left alone. */
export async function endTask(
  store: TaskStore,
  task: Task,
  status: EndStatus,
  outcome: Outcome,
  changes: TaskChanges = {},
): Promise<Task | undefined> {
  try {
    return await withFreshTask(store, task, async (current) => {
      if (isTerminal(current.status)) return undefined;
      return store.transition(current, status, {
        ...changes,
        ...(status !== 'succeeded' ? { error: outcome.summary ?? outcome.headline } : {}),
        result: {
          ...current.result,
          ...changes.result,
          conclusion: outcome.conclusion === 'action_required' ? 'neutral' : outcome.conclusion,
          headline: outcome.headline,
          ...(outcome.summary ? { summary: outcome.summary } : {}),
          ...(outcome.pullRequestUrl ? { pullRequestUrl: outcome.pullRequestUrl } : {}),
          ...(outcome.commitSha ? { commitSha: outcome.commitSha } : {}),
          ...(outcome.refused ? { refused: true } : {}),
        },
      });
    });
  } catch (error) {
    if (error instanceof TaskFinishedError) return undefined;
    throw error;
  }
}

/** What an ended task's record says about its end, to say it again as it was said. */
export function outcomeOf(task: Task): Outcome {
  const fallback =
    task.status === 'succeeded' ? 'success' : task.status === 'cancelled' ? 'cancelled' : 'failure';
  const summary = task.result?.summary ?? task.error;
  return {
    conclusion: task.result?.conclusion ?? fallback,
    headline: task.result?.headline ?? task.status,
    ...(summary ? { summary } : {}),
  };
}

/**
 * End the task and tell GitHub; reporting failures are logged by the caller, never lose the end.
 * A task that pushed a commit its check run is not on gets its concluded check run there first,
 * recorded with the end (TaskSurface.concludedOnPush); if someone else ended the task meanwhile,
 * that check run is corrected to say their end.
 */
export async function finishTask(
  store: TaskStore,
  gateway: RepositoryGateway | undefined,
  task: Task,
  status: EndStatus,
  outcome: Outcome,
  changes: TaskChanges = {},
): Promise<Task | undefined> {
  const surface = gateway ? new TaskSurface(gateway) : undefined;
  const moved = surface ? await surface.concludedOnPush(task, outcome) : {};
  const ended = await endTask(store, task, status, outcome, { ...changes, ...moved });
  if (!surface) return ended;
  if (ended) await surface.concluded(ended, outcome, moved.checkRunId ? task : undefined);
  else if (moved.checkRunId) {
    const stored = await store.load(task.id);
    await surface.concludedAgain({ ...stored, ...moved }, outcomeOf(stored));
  }
  return ended;
}

/**
 * After a task ended (or left its target or slot): the messages its agent did not take start their
 * follow-up task (core/messages.ts), then the oldest task waiting on its target starts if the
 * target is free, and the oldest waiting for one of its installation's slots while there is room.
 * Returns the first task started.
 */
export async function promoteNext(
  store: TaskStore,
  dispatcher: Dispatcher,
  ended: Pick<Task, 'repository' | 'target' | 'installationId'>,
): Promise<string | undefined> {
  await settleMessages(store, dispatcher, ended.repository, ended.target.number);
  const onTarget = await promoteOnTarget(store, dispatcher, ended.repository, ended.target.number);
  const forSlot = await promoteSlotWaiters(store, dispatcher, ended.installationId);
  const forCapacity = await promoteCapacityWaiters(store, dispatcher, await freeDeploymentSlots(store));
  return onTarget ?? forSlot[0] ?? forCapacity[0];
}

/**
 * How many tasks waiting for capacity an ended task makes room for: the deployment's free slots
 * under its cap, or one (its runner's share of the capacity) when there is no cap.
 */
async function freeDeploymentSlots(store: TaskStore): Promise<number> {
  const usage = await store.slotUsage('deployment');
  return usage.limit === undefined ? 1 : usage.limit - usage.running;
}

async function promoteOnTarget(
  store: TaskStore,
  dispatcher: Dispatcher,
  repository: string,
  targetNumber: number,
): Promise<string | undefined> {
  if (await store.lockHolder(repository, targetNumber)) return undefined;
  const next = (await store.listByTarget(repository, targetNumber)).find((t) => t.status === 'waiting');
  return next && (await promote(store, dispatcher, next)) ? next.id : undefined;
}

/** Later than any ISO time the store holds: "every task in the status". */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

/**
 * Send the oldest tasks waiting for one of the installation's slots back to dispatch, as many as
 * there are free slots. Dispatch takes the slot (a conditional write); one that finds them taken
 * meanwhile waits again. Called when a slot may have come free, and by a task that just began to
 * wait (so that a slot freed while it was deciding to wait is not missed).
 */
export async function promoteSlotWaiters(
  store: TaskStore,
  dispatcher: Dispatcher,
  installationId: number,
): Promise<string[]> {
  const usage = await store.slotUsage(installationId);
  let free = usage.limit === undefined ? 1 : usage.limit - usage.running;
  if (free <= 0) return [];
  const waiting = (await store.listStale('waiting', END_OF_TIME))
    .filter((t) => t.installationId === installationId && t.waitingFor === 'slot')
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const started: string[] = [];
  for (const next of waiting) {
    if (free <= 0) break;
    if (await promote(store, dispatcher, next)) {
      started.push(next.id);
      free--;
    }
  }
  return started;
}

/**
 * Send up to `count` tasks waiting for capacity (the deployment's cap, or the runner's capacity or
 * quota) back to dispatch, oldest first, among those waiting since before `before`. Dispatch tries
 * again; one still without capacity waits again, saying so. The sweeper calls this every run, an
 * ended task for the room it made.
 */
export async function promoteCapacityWaiters(
  store: TaskStore,
  dispatcher: Dispatcher,
  count: number,
  before: string = END_OF_TIME,
): Promise<string[]> {
  if (count <= 0) return [];
  const waiting = (await store.listStale('waiting', before))
    .filter((t) => t.waitingFor === 'capacity')
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const started: string[] = [];
  for (const next of waiting) {
    if (started.length >= count) break;
    if (await promote(store, dispatcher, next)) started.push(next.id);
  }
  return started;
}

/** waiting → queued, and to dispatch; false when someone else moved it first. */
async function promote(store: TaskStore, dispatcher: Dispatcher, next: Task): Promise<boolean> {
  try {
    await store.transition(next, 'queued', { waitingFor: undefined });
  } catch (error) {
    if (error instanceof VersionConflictError) return false; // someone else promoted it
    throw error;
  }
  await dispatcher.send({ type: 'dispatch', taskId: next.id });
  return true;
}
