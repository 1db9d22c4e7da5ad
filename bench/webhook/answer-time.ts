/**
 * Measurement 1, webhook answer time: signed deliveries (one trigger in four) through our Lambda
 * handler in-process and through the stock adapter's, at concurrency 1, 16 and 64. The store
 * (dynalite) and the fake GitHub run in the stand-ins process.
 */
import { performance } from 'node:perf_hooks';
import { closedLoop } from '../support/closed-loop.js';
import { StandIns } from '../support/stand-ins-client.js';
import { timeGlobalFetch } from '../support/timed-fetch.js';
import { ratio, round, summarize, type Summary } from '../support/stats.js';
import { progress, workerMain } from '../support/worker.js';
import { buildDeliveries, loadTemplates, MIX } from './deliveries.js';
import { buildHandler, type HandlerUnderTest, type Side } from './handlers.js';

export const CONCURRENCY = [1, 16, 64] as const;
const DELIVERIES: Record<number, number> = { 1: 240, 16: 480, 64: 640 };
const WARM_UP = 64;
const CAP_MS = 90_000;
const SECRET = 'bench-webhook-secret';

const total = (values: number[]) => values.reduce((sum, v) => sum + v, 0);

export interface AnswerRun {
  side: Side;
  concurrency: number;
  deliveries: number;
  all: Summary;
  triggers: Summary;
  others: Summary;
  /** Each store request (our handler: one TransactWriteItems per trigger). */
  store: Summary;
  /** Each GitHub API call (the stock side; ours makes none). */
  github: Summary;
  /**
   * At concurrency 1 only, where each delivery has the process to itself: the handler's own time
   * per delivery, its answer time minus its store requests and GitHub calls.
   */
  ownTriggers?: Summary;
  ownOthers?: Summary;
  throughputPerS: number;
  statuses: Record<string, number>;
  errors: string[];
  skipped: number;
}

export interface AnswerTimeResult {
  mix: { kind: string; trigger: boolean }[];
  runs: AnswerRun[];
  comparison: {
    concurrency: number;
    p50Ratio: number;
    p99Ratio: number;
    triggerP50Ratio: number;
    throughputRatio: number;
  }[];
  /** Calls the fake GitHub answered during the whole benchmark, per operation and status. */
  githubCalls: Record<string, number>;
}

async function main(): Promise<AnswerTimeResult> {
  const standIns = await StandIns.start();
  try {
    const [{ endpoint }, github] = await Promise.all([standIns.dynamo(), standIns.github()]);
    const seed = await standIns.seedCalc(200);
    const templates = await loadTemplates(standIns, seed);
    const handlers = new Map<Side, HandlerUnderTest>();
    for (const side of ['nightshift', 'stock'] as const) {
      handlers.set(
        side,
        await buildHandler(side, {
          github,
          dynamoEndpoint: endpoint,
          tableName: `bench-${side}`,
          secret: SECRET,
        }),
      );
    }
    // Rounds of the mix used so far: keeps issue numbers and comment ids (the intents) distinct.
    let rounds = 0;
    const deliveriesFor = (count: number) => {
      const list = buildDeliveries(templates, seed, SECRET, count, rounds);
      rounds += Math.ceil(count / templates.length);
      return list;
    };

    progress('webhook: warming up both handlers');
    const warmUp = deliveriesFor(WARM_UP);
    const fetches = timeGlobalFetch();
    for (const handler of handlers.values()) {
      await closedLoop(warmUp, 8, (d) => handler.handle(d.event), CAP_MS);
      handler.takeStoreTimes();
    }
    fetches.take();

    const runs: AnswerRun[] = [];
    for (const [level, concurrency] of CONCURRENCY.entries()) {
      const count = DELIVERIES[concurrency] ?? 400;
      const deliveries = deliveriesFor(count);
      // Alternate which side goes first, so drift on a noisy machine does not favour one side.
      const order: Side[] = level % 2 === 0 ? ['nightshift', 'stock'] : ['stock', 'nightshift'];
      for (const side of order) {
        const handler = handlers.get(side);
        if (!handler) continue;
        progress(`webhook: ${side} at concurrency ${concurrency} (${count} deliveries)`);
        const storeTimes: number[] = [];
        const githubTimes: number[] = [];
        const own = { triggers: [] as number[], others: [] as number[] };
        const loop = await closedLoop(
          deliveries,
          concurrency,
          async (d) => {
            const t0 = performance.now();
            const status = await handler.handle(d.event);
            if (concurrency === 1) {
              const store = handler.takeStoreTimes();
              const github = fetches.take();
              storeTimes.push(...store);
              githubTimes.push(...github);
              own[d.trigger ? 'triggers' : 'others'].push(
                performance.now() - t0 - total(store) - total(github),
              );
            }
            return status;
          },
          CAP_MS,
        );
        storeTimes.push(...handler.takeStoreTimes());
        githubTimes.push(...fetches.take());
        const pick = (trigger: boolean) =>
          loop.latencies.filter((ms, i) => deliveries[i]?.trigger === trigger && !Number.isNaN(ms));
        runs.push({
          side,
          concurrency,
          deliveries: loop.completed,
          all: summarize(loop.latencies.filter((ms) => !Number.isNaN(ms))),
          triggers: summarize(pick(true)),
          others: summarize(pick(false)),
          store: summarize(storeTimes),
          github: summarize(githubTimes),
          ...(concurrency === 1
            ? { ownTriggers: summarize(own.triggers), ownOthers: summarize(own.others) }
            : {}),
          throughputPerS: round(loop.completed / (loop.wallMs / 1000), 1),
          statuses: loop.statuses,
          errors: loop.errors,
          skipped: loop.skipped,
        });
      }
    }
    fetches.restore();
    for (const handler of handlers.values()) await handler.close();

    const comparison = CONCURRENCY.map((concurrency) => {
      const ours = runs.find((r) => r.side === 'nightshift' && r.concurrency === concurrency);
      const stock = runs.find((r) => r.side === 'stock' && r.concurrency === concurrency);
      return {
        concurrency,
        p50Ratio: ratio(stock?.all.p50 ?? Number.NaN, ours?.all.p50 ?? Number.NaN, 1),
        p99Ratio: ratio(stock?.all.p99 ?? Number.NaN, ours?.all.p99 ?? Number.NaN, 1),
        triggerP50Ratio: ratio(stock?.triggers.p50 ?? Number.NaN, ours?.triggers.p50 ?? Number.NaN, 1),
        throughputRatio: ratio(ours?.throughputPerS ?? Number.NaN, stock?.throughputPerS ?? Number.NaN, 1),
      };
    });
    return {
      mix: MIX.map((k) => ({ kind: k.name, trigger: k.trigger })),
      runs,
      comparison,
      githubCalls: await standIns.calls(),
    };
  } finally {
    await standIns.close();
  }
}

workerMain(main);
