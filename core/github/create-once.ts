/**
 * Creating on GitHub exactly once, when a create may have happened even though it failed.
 */
import { sleep } from '../sleep.js';

/** Attempts of a create, the first included, and the pause before the second (it grows). */
export const CREATE_ATTEMPTS = 4;
const CREATE_RETRY_BASE_MS = 1000;

/**
 * Create something exactly once. A create answered with a 5xx, or cut off, may still have
 * happened on GitHub's side: before trying again, look for it by what marks it as ours (the
 * comment's marker, the check run's external id). Other errors (4xx, rate limits that the
 * throttling plugin gave up on) are thrown at once.
 */
export async function createOnce<T>(
  create: () => Promise<T>,
  find: () => Promise<T | undefined>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      const status = (error as { status?: number }).status;
      const maybeDone = status === undefined || status >= 500;
      if (!maybeDone || attempt >= CREATE_ATTEMPTS) throw error;
      const existing = await find();
      if (existing !== undefined) return existing;
      await sleep(CREATE_RETRY_BASE_MS * attempt ** 2);
    }
  }
}
