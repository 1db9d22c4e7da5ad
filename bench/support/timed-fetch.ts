/**
 * Times every `fetch` made in this process until restored: Octokit (Probot 13's, on the stock
 * side) calls GitHub through the global fetch, so this is the stock path's time spent on GitHub.
 */
import { performance } from 'node:perf_hooks';

export interface FetchTimer {
  /** Milliseconds of each call (to the response headers) since the last take. */
  take(): number[];
  restore(): void;
}

export function timeGlobalFetch(): FetchTimer {
  const original = globalThis.fetch;
  let times: number[] = [];
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    const t0 = performance.now();
    try {
      return await original(...args);
    } finally {
      times.push(performance.now() - t0);
    }
  };
  return {
    take() {
      const taken = times;
      times = [];
      return taken;
    },
    restore() {
      globalThis.fetch = original;
    },
  };
}
