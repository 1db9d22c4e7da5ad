import { describe, expect, it } from 'vitest';
import { ItemLocks } from '../../../core/store/item-locks.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Acquires and records, in `granted`, when the locks are granted. */
function take(locks: ItemLocks, identities: string[], granted: string[], name: string) {
  return locks.acquire(identities).then((release) => {
    granted.push(name);
    return release;
  });
}

describe('ItemLocks', () => {
  it('runs requests on different identities together and on one identity one at a time', async () => {
    const locks = new ItemLocks();
    const granted: string[] = [];
    const a = take(locks, ['x'], granted, 'a');
    const b = take(locks, ['y'], granted, 'b');
    const c = take(locks, ['x'], granted, 'c');
    await tick();
    expect(granted).toEqual(['a', 'b']);
    expect(locks.state).toEqual({ held: 2, waiting: 1 });
    expect(locks.isLocked('x')).toBe(true);
    (await b)();
    await tick();
    expect(granted).toEqual(['a', 'b']);
    const releaseA = await a;
    releaseA();
    releaseA(); // harmless
    (await c)();
    expect(granted).toEqual(['a', 'b', 'c']);
    expect(locks.state).toEqual({ held: 0, waiting: 0 });
    expect(locks.isLocked('x')).toBe(false);
  });

  it('is first come, first served per identity, and a request waits for all its identities', async () => {
    const locks = new ItemLocks();
    const granted: string[] = [];
    const a = take(locks, ['x'], granted, 'a');
    const b = take(locks, ['y'], granted, 'b');
    const both = take(locks, ['y', 'x'], granted, 'both');
    const laterX = take(locks, ['x'], granted, 'laterX');
    const laterZ = take(locks, ['z'], granted, 'laterZ');
    await tick();
    expect(granted).toEqual(['a', 'b', 'laterZ']);
    (await a)();
    await tick();
    expect(granted).toEqual(['a', 'b', 'laterZ']); // `both` still waits for y; laterX stays behind it
    (await b)();
    await tick();
    expect(granted).toEqual(['a', 'b', 'laterZ', 'both']);
    (await both)();
    (await laterX)();
    (await laterZ)();
    expect(granted).toEqual(['a', 'b', 'laterZ', 'both', 'laterX']);
    expect(locks.state).toEqual({ held: 0, waiting: 0 });
  });

  it('never deadlocks on overlapping sets taken in opposite orders, and grants an empty set at once', async () => {
    const locks = new ItemLocks();
    let inside = 0;
    let most = 0;
    const pairs = [
      ['p', 'q'],
      ['r', 's'],
      ['q', 'p'],
      ['s', 'r'],
    ];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const release = await locks.acquire(pairs[i % 4]!);
        inside++;
        most = Math.max(most, inside);
        await tick();
        inside--;
        release();
      }),
    );
    expect(most).toBe(2); // the two disjoint pairs run side by side, each pair one at a time
    // A ring of overlapping sets, each taken in its own order, still all complete.
    const ring = ['p', 'q', 'r', 's'];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const release = await locks.acquire([ring[(i + 1) % 4]!, ring[i % 4]!]);
        await tick();
        release();
      }),
    );
    (await locks.acquire([]))();
    const release = await locks.acquire(['d', 'd']);
    expect(locks.state).toEqual({ held: 1, waiting: 0 });
    release();
    expect(locks.isLocked('d')).toBe(false);
  });
});
