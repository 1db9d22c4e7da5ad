import { describe, expect, it } from 'vitest';
import { Gate } from '../../../core/store/gate.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Gate', () => {
  it('lets shared holds run together and an exclusive hold run alone', async () => {
    const gate = new Gate();
    const a = await gate.acquire(false);
    const b = await gate.acquire(false);
    expect(gate.state).toEqual({ shared: 2, exclusive: false, waiting: 0 });

    let exclusiveHeld = false;
    const x = gate.acquire(true).then((release) => {
      exclusiveHeld = true;
      return release;
    });
    await tick();
    expect(exclusiveHeld).toBe(false);
    a();
    await tick();
    expect(exclusiveHeld).toBe(false);
    b();
    const releaseX = await x;
    expect(gate.state).toEqual({ shared: 0, exclusive: true, waiting: 0 });

    const c = gate.acquire(false);
    await tick();
    expect(gate.state.waiting).toBe(1);
    releaseX();
    (await c)();
    expect(gate.state).toEqual({ shared: 0, exclusive: false, waiting: 0 });
  });

  it('serves in arrival order: a waiting exclusive hold is not overtaken by later shared ones', async () => {
    const gate = new Gate();
    const order: string[] = [];
    const first = await gate.acquire(false);
    const x = gate.acquire(true).then((release) => {
      order.push('exclusive');
      return release;
    });
    const late = gate.acquire(false).then((release) => {
      order.push('late shared');
      return release;
    });
    await tick();
    expect(order).toEqual([]);
    first();
    (await x)();
    (await late)();
    expect(order).toEqual(['exclusive', 'late shared']);
  });

  it('ignores a second release', async () => {
    const gate = new Gate();
    const a = await gate.acquire(false);
    const b = await gate.acquire(false);
    a();
    a();
    expect(gate.state.shared).toBe(1);
    b();
    expect(gate.state.shared).toBe(0);
  });
});
