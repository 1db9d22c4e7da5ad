/**
 * Lost webhooks. When the webhook function is throttled or down, GitHub records the failed
 * delivery and does not try again by itself; GitHub's guidance for Apps is a script that lists the
 * App's recent deliveries and asks for the failed ones again. This is that script, run on a
 * schedule (and by `npm start` on its sweep): deliveries of the last hours whose every attempt
 * failed for a reason a redelivery can cure (no answer, a 5xx, a 429) are redelivered, each at
 * most once (a memo in the store claims it), and a delivery that later succeeded by another
 * attempt (the same guid) is left alone. A redelivery carries the same `X-GitHub-Delivery`, so the
 * delivery-id idempotency of intake makes it safe even if the first attempt did get through.
 */
import type { Logger } from 'pino';
import type { Octokit } from '../../core/github/repository-gateway.js';
import type { TaskStore } from '../../core/store/task-store.js';

export interface RedeliveryDeps {
  /** An Octokit authenticated as the App itself (a JWT), not as an installation. */
  appOctokit(): Promise<Octokit>;
  store: Pick<TaskStore, 'claimMemo'>;
  log: Logger;
  now?: () => Date;
}

export interface RedeliveryOptions {
  /** How far back to look; deliveries older than this are not asked for again. */
  windowMs: number;
  /** Pages of 100 deliveries to read at most (a busy App receives many events). */
  maxPages: number;
}

/** Every scheduled run looks three hours back: many runs see each failure, one redelivers it. */
export const DEFAULT_REDELIVERY: RedeliveryOptions = { windowMs: 3 * 60 * 60_000, maxPages: 10 };

/** GitHub keeps deliveries (and lets them be redelivered) for three days: the memo as long. */
const CLAIM_SECONDS = 3 * 24 * 60 * 60;

export interface RedeliveryReport {
  /** Deliveries read. */
  scanned: number;
  /** The guids asked for again. */
  redelivered: string[];
}

/** One attempt at a delivery, as `GET /app/hook/deliveries` lists it. */
export interface DeliveryAttempt {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  event: string;
  action?: string | null;
}

/** An answer a new attempt may get past: none (a timeout, refused connection), a 5xx, a 429. */
export function curable(statusCode: number): boolean {
  return statusCode === 0 || statusCode === 429 || statusCode >= 500;
}

const succeeded = (attempt: DeliveryAttempt) => attempt.status_code >= 200 && attempt.status_code < 300;

/**
 * Which deliveries to ask for again (pure): per guid, none of its attempts succeeded, its newest
 * failed curably, and that was after `since`. Returns the newest attempt of each.
 */
export function toRedeliver(attempts: DeliveryAttempt[], since: string): DeliveryAttempt[] {
  const byGuid = new Map<string, DeliveryAttempt[]>();
  for (const attempt of attempts) byGuid.set(attempt.guid, [...(byGuid.get(attempt.guid) ?? []), attempt]);
  const chosen: DeliveryAttempt[] = [];
  for (const all of byGuid.values()) {
    if (all.some(succeeded)) continue;
    const newest = all.reduce((a, b) => (b.delivered_at > a.delivered_at ? b : a));
    if (curable(newest.status_code) && newest.delivered_at >= since) chosen.push(newest);
  }
  return chosen.sort((a, b) => (a.delivered_at < b.delivered_at ? -1 : 1));
}

export async function redeliverFailed(
  deps: RedeliveryDeps,
  options: RedeliveryOptions = DEFAULT_REDELIVERY,
): Promise<RedeliveryReport> {
  const now = (deps.now ?? (() => new Date()))();
  const since = new Date(now.getTime() - options.windowMs).toISOString();
  const octokit = await deps.appOctokit();
  const attempts: DeliveryAttempt[] = [];
  let pages = 0;
  // Newest first; cursor pagination through the Link header.
  for await (const page of octokit.paginate.iterator('GET /app/hook/deliveries', { per_page: 100 })) {
    attempts.push(...(page.data as DeliveryAttempt[]));
    const oldest = page.data.at(-1)?.delivered_at;
    if (++pages >= options.maxPages || oldest === undefined || oldest < since) break;
  }
  const report: RedeliveryReport = { scanned: attempts.length, redelivered: [] };
  for (const delivery of toRedeliver(attempts, since)) {
    // Claimed before it is asked for: of concurrent runs one asks, and never twice.
    if (!(await deps.store.claimMemo(`redelivery#${delivery.guid}`, CLAIM_SECONDS))) continue;
    const log = deps.log.child({ deliveryId: delivery.guid, event: delivery.event });
    try {
      await octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: delivery.id });
      report.redelivered.push(delivery.guid);
      log.warn({ statusCode: delivery.status_code, at: delivery.delivered_at }, 'redelivery requested');
    } catch (error) {
      // Asked once: a refused request is not tried again (GitHub may refuse one too old).
      log.error({ err: error }, 'redelivery refused');
    }
  }
  return report;
}
