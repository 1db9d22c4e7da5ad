/**
 * The Octokit class every component uses: Probot's (REST, pagination, retries, config), with
 * rate limits handled as GitHub asks: a 429 or secondary rate limit waits `retry-after` and tries
 * again (Probot's default gives up on secondary limits), and content-creating requests are paced
 * (GitHub's guidance: a second between writes, three between notifications). Pacing is per
 * process; `NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS=0` turns it off, as the tests' fake GitHub allows.
 */
import Bottleneck from 'bottleneck';
import { ProbotOctokit } from 'probot';

/** Longest wait we accept from GitHub before giving up (a Lambda has minutes, not hours). */
const MAX_RETRY_AFTER_SECONDS = 120;
const MAX_RETRIES = 3;

function pacing(writeIntervalMs: number): Record<string, Bottleneck.Group> {
  return {
    write: new Bottleneck.Group({ id: 'nightshift-write', maxConcurrent: 1, minTime: writeIntervalMs }),
    notifications: new Bottleneck.Group({
      id: 'nightshift-notifications',
      maxConcurrent: 1,
      minTime: writeIntervalMs * 3,
    }),
  };
}

type Options = ConstructorParameters<typeof ProbotOctokit>[0] & {
  throttle?: Record<string, unknown>;
  log?: { warn: (message: string) => void };
};

/**
 * The pause between two writes of one process (GitHub's guidance: a second), from
 * `NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS`. The agent task also reads it to decide what is worth a
 * write: a title that would show for less than this, or a placeholder that would be replaced
 * within a few writes, only delays what follows it.
 */
export function writeIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS ?? 1000);
  return Number.isFinite(value) && value >= 0 ? value : 1000;
}

export function createOctokitClass(intervalMs = writeIntervalMs()): typeof ProbotOctokit {
  const groups = pacing(intervalMs);
  const retry =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method: string; url: string },
      octokit: { log: { warn: (m: string) => void } },
      retryCount: number,
    ) => {
      const again = retryCount < MAX_RETRIES && retryAfter <= MAX_RETRY_AFTER_SECONDS;
      octokit.log.warn(
        `GitHub ${kind} on ${options.method} ${options.url}: ${again ? `retrying in ${retryAfter}s` : 'giving up'}`,
      );
      return again;
    };
  return class NightshiftOctokit extends ProbotOctokit {
    constructor(options: Options = {}) {
      super({
        ...options,
        throttle: {
          ...options.throttle,
          ...groups,
          onRateLimit: retry('rate limit'),
          onSecondaryRateLimit: retry('secondary rate limit'),
        },
      });
    }
  } as typeof ProbotOctokit;
}

export const NightshiftOctokit = createOctokitClass();
