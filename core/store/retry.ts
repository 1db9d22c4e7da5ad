/** Bounded, jittered retries for the conflicts DynamoDB reports under concurrency. */

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'random' | 'sleep'>> = {
  attempts: 16,
  baseDelayMs: 10,
  maxDelayMs: 1000,
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** "Full jitter": a random delay up to an exponentially growing, capped bound. */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const bound = Math.min(max, base * 2 ** attempt);
  return Math.floor((options.random ?? Math.random)() * bound);
}

export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  constructor(
    readonly what: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`${what}: still conflicting after ${attempts} attempts`, options);
  }
}

/** One attempt's answer: try again (why), or the definite value. */
export type RetryStep<T> = { retry: true; cause?: unknown } | { retry: false; value: T };

/**
 * Run `attempt` until it returns a definite answer: it returns `{ retry: true }` (or throws an
 * error `isRetryable` accepts) to ask for another go after a jittered pause.
 */
export async function retrying<T>(
  what: string,
  attempt: (n: number) => Promise<RetryStep<T>>,
  options: RetryOptions & { isRetryable?: (error: unknown) => boolean } = {},
): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_RETRY.attempts;
  const sleep = options.sleep ?? defaultSleep;
  let cause: unknown;
  for (let n = 0; n < attempts; n++) {
    if (n > 0) await sleep(backoffDelay(n, options));
    try {
      const outcome = await attempt(n);
      if (!outcome.retry) return outcome.value;
      cause = outcome.cause;
    } catch (error) {
      if (!options.isRetryable?.(error)) throw error;
      cause = error;
    }
  }
  throw new RetriesExhaustedError(what, attempts, { cause });
}
