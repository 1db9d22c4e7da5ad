/**
 * A closed loop of `concurrency` callers working through a fixed list: each takes the next item as
 * soon as its previous one is answered. Bounded twice: by the list, and by `capMs` of wall time
 * (items not started by then are skipped and counted).
 */
import { performance } from 'node:perf_hooks';

export interface LoopResult {
  /** Milliseconds per item, in list order; NaN for an item that was skipped. */
  latencies: number[];
  statuses: Record<string, number>;
  errors: string[];
  completed: number;
  skipped: number;
  wallMs: number;
}

export async function closedLoop<T>(
  items: readonly T[],
  concurrency: number,
  call: (item: T) => Promise<number>,
  capMs: number,
): Promise<LoopResult> {
  const latencies = items.map(() => Number.NaN);
  const statuses: Record<string, number> = {};
  const errors: string[] = [];
  let next = 0;
  let completed = 0;
  const started = performance.now();
  const deadline = started + capMs;
  const caller = async () => {
    for (;;) {
      const index = next++;
      const item = items[index];
      if (item === undefined || performance.now() > deadline) return;
      const t0 = performance.now();
      try {
        const status = await call(item);
        statuses[status] = (statuses[status] ?? 0) + 1;
      } catch (error) {
        statuses.threw = (statuses.threw ?? 0) + 1;
        if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
      }
      latencies[index] = performance.now() - t0;
      completed++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, caller));
  return {
    latencies,
    statuses,
    errors,
    completed,
    skipped: items.length - completed,
    wallMs: performance.now() - started,
  };
}
