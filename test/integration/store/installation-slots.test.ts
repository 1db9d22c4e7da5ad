/**
 * The installation's slots (core/store/records/installation-slots.ts, given back by
 * records/task-end.ts).
 */
import { describe, expect, it } from 'vitest';
import { TaskFinishedError } from '../../../core/store/task-store.js';
import { countingConflicts, newTask, storesForFile } from '../../support/store-fixtures.js';

const fresh = storesForFile();

describe("the installation's slots", () => {
  it('installation slots: 40 tasks take slots at once with a limit of 5 → exactly 5; ends give them back, once', async () => {
    const t = await fresh({ transactionConflicts: 'cancel' });
    const { store, counter } = countingConflicts(t);
    const tasks = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.create(newTask({ target: { kind: 'issue', number: 100 + i } })),
      ),
    );
    const other = await store.create(newTask({ installationId: 43 }));
    const [slots] = await Promise.all([
      Promise.all(tasks.map((task) => store.acquireSlot(task, 5))),
      store.acquireSlot(other, 5),
    ]);
    expect(counter.conflicts).toBeGreaterThan(0);
    const holders = tasks.filter((_, i) => slots[i]?.acquired);
    expect(holders).toHaveLength(5);
    expect(slots.filter((s) => !s.acquired)).toEqual(
      Array.from({ length: 35 }, () => ({ acquired: false, running: 5, limit: 5 })),
    );
    expect(await store.slotUsage(42)).toEqual({ running: 5, limit: 5 });
    expect(await store.slotUsage(43)).toEqual({ running: 1, limit: 5 }); // its own installation
    // A holder asking again keeps its one slot.
    expect(await store.acquireSlot(holders[0]!, 5)).toEqual({ acquired: true });
    expect((await store.slotUsage(42)).running).toBe(5);

    // Every task ends at once, holders and waiters: each holder's slot comes back exactly once.
    const live = await Promise.all(tasks.map((task) => store.load(task.id)));
    await Promise.all(live.map((task) => store.transition(task, 'cancelled')));
    expect(await store.slotUsage(42)).toEqual({ running: 0, limit: 5 });
    // A finished task takes no slot.
    await expect(store.acquireSlot(live[0]!, 5)).rejects.toBeInstanceOf(TaskFinishedError);
    expect((await store.slotUsage(42)).running).toBe(0);
  });
});
