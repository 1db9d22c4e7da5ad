/**
 * Lists of tasks by the table's indexes (core/store/records/task-lists.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Task } from '../../../core/task.js';
import { manualClock, moveTo, newTask, storesForFile } from '../../support/store-fixtures.js';

const fresh = storesForFile();

describe('lists', () => {
  it('lists a repository and all tasks newest first, with a limit', async () => {
    const clock = manualClock();
    const { store } = await fresh({ now: clock.now });
    const a: Task[] = [];
    for (let i = 0; i < 5; i++) {
      a.push(
        await store.create(
          newTask({ repository: i % 2 ? 'Octo/A' : 'octo/a', target: { kind: 'issue', number: i } }),
        ),
      );
      clock.advance(1000);
    }
    const b = await store.create(newTask({ repository: 'octo/b' }));
    const ids = (tasks: Task[]) => tasks.map((t) => t.id);
    const newestA = ids([...a].reverse());

    expect(ids(await store.listByRepository('OCTO/A'))).toEqual(newestA);
    expect(ids(await store.listByRepository('octo/a', 3))).toEqual(newestA.slice(0, 3));
    expect(ids(await store.listByRepository('octo/b'))).toEqual([b.id]);
    expect(ids(await store.listRecent(2))).toEqual([b.id, ...newestA.slice(0, 1)]);
    expect(ids(await store.listRecent())).toEqual([b.id, ...newestA]);
    expect(await store.listByRepository('octo/none')).toEqual([]);
  });

  it('orders tasks created in the same millisecond by creation', async () => {
    const clock = manualClock();
    const { store } = await fresh({ now: clock.now });
    const created: string[] = [];
    for (let i = 0; i < 8; i++) created.push((await store.create(newTask())).id);
    expect((await store.listRecent()).map((t) => t.id)).toEqual([...created].reverse());
    expect((await store.listByTarget('octo/repo', 7)).map((t) => t.id)).toEqual(created);
  });

  it('lists tasks of a status not updated since a time', async () => {
    const clock = manualClock('2030-01-01T00:00:00.000Z');
    const { store } = await fresh({ now: clock.now });
    const old = await moveTo(store, await store.create(newTask()), ['dispatched', 'running']);
    const oldQueued = await store.create(newTask({ target: { kind: 'issue', number: 2 } }));
    clock.advance(10 * 60_000);
    const recent = await moveTo(
      store,
      await store.create(newTask({ target: { kind: 'issue', number: 3 } })),
      ['dispatched', 'running'],
    );
    const cutoff = new Date(Date.parse('2030-01-01T00:05:00.000Z')).toISOString();
    expect((await store.listStale('running', cutoff)).map((t) => t.id)).toEqual([old.id]);
    expect((await store.listStale('queued', cutoff)).map((t) => t.id)).toEqual([oldQueued.id]);
    expect((await store.listStale('running', clock.iso())).map((t) => t.id)).toEqual([old.id]);
    clock.advance(1);
    expect((await store.listStale('running', clock.iso())).map((t) => t.id)).toEqual([old.id, recent.id]);
    // Renewing the lease is an update: the task is no longer stale.
    await store.update(old, { leaseExpiresAt: clock.iso() });
    expect((await store.listStale('running', cutoff)).map((t) => t.id)).toEqual([]);
  });
});
