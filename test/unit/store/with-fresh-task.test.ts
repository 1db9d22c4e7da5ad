import { describe, expect, it } from 'vitest';
import { RetriesExhaustedError } from '../../../core/store/retry.js';
import { TaskNotFoundError, VersionConflictError } from '../../../core/store/task-store.js';
import { withFreshTask } from '../../../core/store/with-fresh-task.js';
import type { Task } from '../../../core/task.js';

const NO_PAUSE = { sleep: async () => undefined };

/** A store whose record moves on by one version at each load. */
function movingStore(start: Partial<Task> = {}) {
  let version = 1;
  const loads: number[] = [];
  return {
    loads,
    load: async (taskId: string): Promise<Task> => {
      version++;
      loads.push(version);
      return { id: taskId, status: 'running', version, ...start } as Task;
    },
  };
}

describe('withFreshTask', () => {
  it('starts from the task it is given, and reloads after each lost race', async () => {
    const store = movingStore();
    const seen: number[] = [];
    const result = await withFreshTask(
      store,
      { id: 't1', version: 1 } as Task,
      async (task) => {
        seen.push(task.version);
        if (task.version < 3) throw new VersionConflictError(task.id, task.version);
        return `wrote on ${task.version}`;
      },
      NO_PAUSE,
    );
    expect(result).toBe('wrote on 3');
    expect(seen).toEqual([1, 2, 3]);
    expect(store.loads).toEqual([2, 3]);
  });

  it('loads first when given an id, and decides again on each version', async () => {
    const store = movingStore({ status: 'succeeded' });
    const result = await withFreshTask(store, 't2', async (task) =>
      task.status === 'succeeded' ? undefined : task,
    );
    expect(result).toBeUndefined();
    expect(store.loads).toHaveLength(1);
  });

  it('gives up after its attempts, and lets any other error through at once', async () => {
    const store = movingStore();
    const losing = withFreshTask(
      store,
      't3',
      async (task) => {
        throw new VersionConflictError(task.id, task.version);
      },
      { ...NO_PAUSE, attempts: 3 },
    );
    await expect(losing).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(store.loads).toHaveLength(3);

    const other = movingStore();
    const missing = withFreshTask(other, 't4', async (task) => {
      throw new TaskNotFoundError(task.id);
    });
    await expect(missing).rejects.toBeInstanceOf(TaskNotFoundError);
    expect(other.loads).toHaveLength(1);
  });
});
