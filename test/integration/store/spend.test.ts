/**
 * The month's spend (core/store/records/spend.ts): added with the task's usage in one transaction,
 * exact under concurrent updates (atomic ADDs, no read-modify-write), nothing added by a lost
 * race, by an unknown cost or by a usage that did not grow, and kept per calendar month.
 */
import { describe, expect, it } from 'vitest';
import { withFreshTask } from '../../../core/store/with-fresh-task.js';
import { VersionConflictError } from '../../../core/store/task-store.js';
import { EMPTY_USAGE, type Task } from '../../../core/task.js';
import { manualClock, moveTo, newTask, storesForFile } from '../../support/store-fixtures.js';

const fresh = storesForFile();
const usage = (costUsd: number | null) => ({ ...EMPTY_USAGE, costUsd, turns: 1 });

describe('the month’s spend', () => {
  it('is exact after 20 concurrent usage updates, on DynamoDB-style conflicts too', async () => {
    const clock = manualClock('2030-03-15T10:00:00.000Z');
    // Every update adds to the same two counters, while other tasks' transactions may be in flight.
    const { store } = await fresh({ now: clock.now, transactionConflicts: 'cancel' });
    const tasks = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        store.create(newTask({ target: { kind: 'issue', number: i + 1 } })),
      ),
    );
    // 20 updates at once: 5 on each of 4 tasks, each adding $0.25 to the task's cost on whatever
    // version it finds (a lost race reloads and adds again), so the tasks end at $1.25 each.
    await Promise.all(
      tasks.flatMap((task) =>
        Array.from({ length: 5 }, () =>
          withFreshTask(
            store,
            task,
            (current) => store.update(current, { usage: usage((current.usage.costUsd ?? 0) + 0.25) }),
            { attempts: 50, baseDelayMs: 1, maxDelayMs: 20 },
          ),
        ),
      ),
    );
    const stored = await Promise.all(tasks.map((t) => store.load(t.id)));
    expect(stored.map((t) => t.usage.costUsd)).toEqual([1.25, 1.25, 1.25, 1.25]);
    expect(await store.monthSpend('repository', 'octo/repo', '2030-03')).toBe(5);
    expect(await store.monthSpend('installation', '42', '2030-03')).toBe(5);
  });

  it('adds nothing for a lost race, an unknown cost or a usage that did not grow', async () => {
    const clock = manualClock('2030-04-01T00:00:00.000Z');
    const { store } = await fresh({ now: clock.now });
    const task = await store.create(newTask({ repository: 'octo/other' }));
    const first = await store.update(task, { usage: usage(0.5) });
    await expect(store.update(task, { usage: usage(2) })).rejects.toBeInstanceOf(VersionConflictError);
    const same = await store.update(first, { usage: usage(0.5) });
    const unknown = await store.update(same, { usage: usage(null) });
    expect(await store.monthSpend('repository', 'octo/other', '2030-04')).toBe(0.5);
    // A later known cost is counted from the last known one (0.5), not from the unknown.
    expect(unknown.usage.costUsd).toBeNull();
  });

  it('counts the spend a task’s end records, in the month it lands', async () => {
    const clock = manualClock('2030-05-31T23:59:00.000Z');
    const { store } = await fresh({ now: clock.now });
    let task: Task = await store.create(newTask({ repository: 'octo/month' }));
    task = await moveTo(store, task, ['dispatched', 'running']);
    task = await store.update(task, { usage: usage(1) });
    clock.advance(120_000); // June now
    await store.transition(task, 'succeeded', { usage: usage(1.5) });
    expect(await store.monthSpend('repository', 'octo/month', '2030-05')).toBe(1);
    expect(await store.monthSpend('repository', 'octo/month', '2030-06')).toBe(0.5);
    expect((await store.load(task.id)).status).toBe('succeeded');
  });
});
