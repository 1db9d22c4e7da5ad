/**
 * The targets, judged on the figures. A benchmark never fails on them: each is reported
 * as met or not, and a missed one carries a note saying why and what would reach it.
 */
import type { OverheadResult } from '../agent/overhead.js';
import { warmSetupTarget } from '../setup/report.js';
import type { Sections, TargetResult } from './results.js';
import { round } from './stats.js';

const MB = 1_000_000;
const MIB = 2 ** 20;

const ms = (value: number | undefined) => `${value === undefined ? '?' : round(value, 2)} ms`;
const times = (value: number) => `${round(value, 1)}×`;
const mb = (bytes: number) => `${round(bytes / MB, 2)} MB`;

function notRun(measurement: string, target: string): TargetResult {
  return { measurement, target, measured: 'not run', met: null };
}

export function judgeTargets(s: Sections): TargetResult[] {
  return [
    ...webhook(s),
    ...coldStart(s),
    ...overhead(s),
    cacheShare(s),
    clone(s),
    ...taskOverhead(s),
    warmSetupTarget(s),
  ];
}

function webhook(s: Sections): TargetResult[] {
  const m1 = 'Webhook answer, concurrency 64';
  const m2 = 'Webhook answer vs stock adapter';
  const t1 = 'p99 ≤ 15 ms';
  const t2 = '≥ 10× faster (p99, concurrency 64)';
  const r = s.answerTime;
  const run = (side: string, c: number) => r?.runs.find((x) => x.side === side && x.concurrency === c);
  const ours64 = run('nightshift', 64);
  const stock64 = run('stock', 64);
  const ours1 = run('nightshift', 1);
  const stock1 = run('stock', 1);
  if (!r || !ours64 || !stock64 || !ours1 || !stock1) return [notRun(m1, t1), notRun(m2, t2)];
  const p99ok = ours64.all.p99 <= 15;
  const speedup = stock64.all.p99 / ours64.all.p99;
  const callsPerTrigger = stock1.github.n / Math.max(1, stock1.triggers.n);
  return [
    {
      measurement: m1,
      target: t1,
      measured: `p99 ${ms(ours64.all.p99)} (triggers ${ms(ours64.triggers.p99)}, others ${ms(ours64.others.p99)})`,
      met: p99ok,
      ...(p99ok
        ? {}
        : {
            note:
              `The triggers (one delivery in four) wait for the store. Each records its task with one ` +
              `TransactWriteItems, which took p50 ${ms(ours1.store.p50)} on dynalite even at concurrency 1; ` +
              `the embedded store runs transactions on different items concurrently, but all of them in one ` +
              `dynalite process (several loopback calls each) on a 2-core machine shared with the callers, ` +
              `so with ~16 triggers in flight they wait ${ms(ours64.triggers.p99)} (store requests at concurrency 64: p50 ` +
              `${ms(ours64.store.p50)}). Deliveries that are not triggers answered in p99 ${ms(ours64.others.p99)}, ` +
              `and the handler's own time per trigger (concurrency 1, store time taken out) was p50 ` +
              `${ms(ours1.ownTriggers?.p50)}. On AWS each Lambda instance takes one delivery at a time and ` +
              `DynamoDB does not serialise transactions on different items, so the concurrency-1 p99 ` +
              `(${ms(ours1.all.p99)}) is what GitHub sees per delivery. What would reach it here: a faster store ` +
              `stand-in (DynamoDB itself, or a native DynamoDB Local), not a change in the handler.`,
          }),
    },
    {
      measurement: m2,
      target: t2,
      measured:
        `${times(speedup)} at p99, concurrency 64 (stock ${ms(stock64.all.p99)}); triggers at ` +
        `concurrency 1: ${times(stock1.triggers.p50 / ours1.triggers.p50)} at p50`,
      met: speedup >= 10,
      ...(speedup >= 10
        ? {}
        : {
            note:
              `The stock path does ${round(callsPerTrigger, 1)} GitHub calls per trigger before it answers, which ` +
              `the loopback fake answers in p50 ${ms(stock1.github.p50)} each; GitHub answers a Lambda in tens ` +
              `to hundreds of milliseconds per call, so against GitHub the stock path is several times slower ` +
              `than here while ours (no GitHub call) is unchanged. Both sides also wait in the same store ` +
              `queue (see above), which narrows the ratio at concurrency 64. What would reach it here: a fake ` +
              `GitHub with GitHub's latency, or a store without the queue.`,
          }),
    },
  ];
}

function coldStart(s: Sections): TargetResult[] {
  const m1 = 'Webhook bundle size';
  const m2 = 'Cold load-and-answer vs stock adapter';
  const t1 = '≤ 1.5 MB (1,500,000 bytes)';
  const t2 = '≤ ⅓ of the stock adapter’s';
  const r = s.coldStart;
  const ours = r?.sides.find((x) => x.side === 'nightshift');
  const stock = r?.sides.find((x) => x.side === 'stock');
  if (!r || !ours || !stock) return [notRun(m1, t1), notRun(m2, t2)];
  const sizeOk = ours.bundle.bytes <= 1.5 * MB;
  const share = ours.median.loadAndAnswerMs / stock.median.loadAndAnswerMs;
  const from = (importers: string[]) =>
    importers.length <= 2
      ? importers.join(', ')
      : `${importers.slice(0, 2).join(', ')} and ${importers.length - 2} more`;
  const largest = ours.bundle.largest
    .slice(0, 4)
    .map((p) => `${p.name} ${round(p.bytes / 1000, 0)} kB (from ${from(p.importedBy)})`)
    .join('; ');
  const top = ours.bundle.largest[0];
  return [
    {
      measurement: m1,
      target: t1,
      measured: `${ours.bundle.bytes.toLocaleString('en-US')} bytes (${round(ours.bundle.bytes / MIB, 2)} MiB; stock ${mb(stock.bundle.bytes)})`,
      met: sizeOk,
      ...(sizeOk
        ? {}
        : {
            note:
              `Over by ${(ours.bundle.bytes - 1.5 * MB).toLocaleString('en-US')} bytes` +
              `${ours.bundle.bytes <= 1.5 * MIB ? ' (under 1.5 MiB, over 1.5 MB)' : ''}. ` +
              `The largest parts: ${largest}. What would reach it: ` +
              (top
                ? `a slimmer build of ${top.name}, or keeping what brings it in out of the webhook's import graph.`
                : 'a smaller import graph.'),
          }),
    },
    {
      measurement: m2,
      target: t2,
      measured:
        `${ms(ours.median.loadAndAnswerMs)} vs ${ms(stock.median.loadAndAnswerMs)}: ` +
        `${round(share * 100, 0)}% of the stock adapter’s (${times(1 / share)} faster)`,
      met: share <= 1 / 3,
      ...(share <= 1 / 3
        ? {}
        : {
            note:
              `Of our ${ms(ours.median.loadAndAnswerMs)}, loading the ${mb(ours.bundle.bytes)} bundle takes ` +
              `${ms(ours.median.importMs)} and the first answer ${ms(ours.median.firstAnswerMs)} (validate the ` +
              `environment, build the clients, check the table, write the task, invoke dispatch). The stock ` +
              `side's first answer makes its GitHub calls (an installation token, then permission, config and ` +
              `acknowledgement) against the loopback fake, a few milliseconds each; from Lambda to GitHub each ` +
              `takes tens to hundreds of milliseconds, which would put the stock cold answer well past three ` +
              `times ours. Our first answer here also checks the table (two DescribeTable and a ` +
              `DescribeTimeToLive round trip, made only when DYNAMODB_ENDPOINT is set, so not on AWS). What would ` +
              `reach it here: a shorter import (largest parts: ${largest}).`,
          }),
    },
  ];
}

function overhead(s: Sections): TargetResult[] {
  const m1 = 'Agent harness overhead, 300 turns';
  const m2 = 'Agent harness overhead growth';
  const t1 = '≤ 2 ms per turn';
  const t2 = 'no super-linear growth (last tenth of 300 turns ≤ 1.5× the first tenth, per turn)';
  const at = (turns: number): OverheadResult | undefined => s.agentOverhead?.find((r) => r.turns === turns);
  const r300 = at(300);
  if (!r300) return [notRun(m1, t1), notRun(m2, t2)];
  const growth = r300.lastTenthMsPerTurn / r300.firstTenthMsPerTurn;
  const series = (s.agentOverhead ?? []).map((r) => `${r.turns}: ${ms(r.ownMsPerTurn)}`).join(', ');
  return [
    {
      measurement: m1,
      target: t1,
      measured: `${ms(r300.ownMsPerTurn)} per turn (${series})`,
      met: r300.ownMsPerTurn <= 2,
      ...(r300.ownMsPerTurn <= 2
        ? {}
        : {
            note: `Every request carries the whole conversation (${round(r300.lastRequestBytes / 1000, 0)} kB by turn 300), serialised by the SDK each turn. What would reach it: a shorter transcript (clear old tool results earlier).`,
          }),
    },
    {
      measurement: m2,
      target: t2,
      measured: `first tenth ${ms(r300.firstTenthMsPerTurn)}, last tenth ${ms(r300.lastTenthMsPerTurn)} per turn (${times(growth)})`,
      met: growth <= 1.5,
      ...(growth <= 1.5
        ? {}
        : {
            note:
              `The per-turn cost grows with the transcript: the Messages API is stateless, so every request ` +
              `carries the whole conversation, which the SDK serialises again each turn (${round(r300.lastRequestBytes / 1000, 0)} kB ` +
              `at turn 300; in a CPU profile its request encoder is the largest part of our time), and the answer is parsed into a transcript that keeps growing. That makes the ` +
              `total quadratic in principle, though small in practice (${ms(r300.ownMsTotal)} over 300 turns, ` +
              `against model time of seconds per turn in real use). Memory grows linearly ` +
              `(${round(r300.heapPerTurnBytes / 1000, 1)} kB of heap per turn). What would reach it: bounding the ` +
              `transcript (clearing old tool results early rather than only when the context window is full), ` +
              `or serialising only the messages added since the last request.`,
          }),
    },
  ];
}

function cacheShare(s: Sections): TargetResult {
  const m = 'Prompt-cache share, 40-turn task';
  const t = '≥ 85% of input tokens read from cache';
  const on = s.cacheShare?.runs.find((r) => r.caching);
  const off = s.cacheShare?.runs.find((r) => !r.caching);
  if (!on || !off) return notRun(m, t);
  const met = on.share >= 0.85;
  return {
    measurement: m,
    target: t,
    measured: `${round(on.share * 100, 1)}% (caching off: ${round(off.share * 100, 1)}%)`,
    met,
    ...(met
      ? {}
      : {
          note: `Cache writes (${on.cacheWriteTokens} tokens) and uncached input (${on.inputTokens}) outweigh reads; check where the breakpoints fall (cache-breakpoints.ts).`,
        }),
  };
}

function clone(s: Sections): TargetResult {
  const m = 'Workspace preparation, large repository';
  const t = 'partial clone ≤ ⅓ of the full clone’s time';
  const r = s.clone;
  if (!r) return notRun(m, t);
  const partial = r.medianMs.partial ?? Number.NaN;
  const full = r.medianMs.full ?? Number.NaN;
  const met = r.ratio <= 1 / 3;
  const bytes = r.medianGitBytes;
  const tmpfs =
    r.medianMs['partial-tmpfs'] !== undefined && r.medianMs['full-tmpfs'] !== undefined
      ? `In a tmpfs, where writing the checkout costs little, partial ${round(r.medianMs['partial-tmpfs'] / 1000, 2)} s ` +
        `vs full ${round(r.medianMs['full-tmpfs'] / 1000, 2)} s (${round(r.medianMs['partial-tmpfs'] / r.medianMs['full-tmpfs'], 2)}). `
      : '';
  return {
    measurement: m,
    target: t,
    measured: `partial ${round(partial / 1000, 2)} s vs full ${round(full / 1000, 2)} s (${round(r.ratio, 2)} of it)`,
    met,
    ...(met
      ? {}
      : {
          note:
            `A ready workspace needs the tip's ${r.repo.tipFiles} files (${mb(r.repo.checkoutBytes)}) whatever the ` +
            `clone: the partial clone left ${mb(bytes.partial ?? 0)} under .git (all ${r.repo.commits} commits and ` +
            `their trees, plus the tip's blobs) against ${mb(bytes.full ?? 0)} for the full clone, so it moves less ` +
            `than half the data but not a third, and writing ${r.repo.tipFiles} files to this machine's disk costs ` +
            `the same seconds in both. ${tmpfs}A treeless clone (--filter=tree:0, ${mb(bytes.treeless ?? 0)}) took ` +
            `${round((r.medianMs.treeless ?? Number.NaN) / 1000, 2)} s. What would reach it: a repository whose blob ` +
            `history outweighs its trees more than this synthetic one does (binary or generated files), a treeless ` +
            `or shallow clone for tasks that need no history (git then fetches trees on demand), or a faster disk.`,
        }),
  };
}

function taskOverhead(s: Sections): TargetResult[] {
  const m1 = 'Task overhead, webhook → first model request';
  const m2 = 'Task overhead, last model answer → concluded check run';
  const t = '≤ 2 s with write pacing on (warm app, issue and `/agent fix`)';
  const on = s.taskOverhead?.runs.filter((r) => r.pacing === 'on') ?? [];
  const off = s.taskOverhead?.runs.filter((r) => r.pacing === 'off') ?? [];
  if (on.length === 0) return [notRun(m1, t), notRun(m2, t)];
  const judge = (
    measurement: string,
    pick: (r: (typeof on)[number]) => number,
    stretch: string,
  ): TargetResult => {
    const worst = Math.max(...on.map(pick));
    const figures = (runs: typeof on) =>
      runs.map((r) => `${r.kind} ${round(pick(r) / 1000, 2)} s`).join(', ');
    const met = worst <= 2000;
    const writes = on
      .map((r) => {
        const list = stretch === 'before' ? r.writes.beforeFirstRequest : r.writes.beforeConclusion;
        return `${r.kind}: ${list.length} (${list.join(', ') || 'none'})`;
      })
      .join('; ');
    return {
      measurement,
      target: t,
      measured: `${figures(on)} (pacing off: ${figures(off)})`,
      met,
      ...(met
        ? {}
        : {
            note:
              `GitHub writes in that stretch with pacing on, ${writes}; a paced write waits for the one before ` +
              `it to be a second old, but progress writes do not hold the task up (only those before the ` +
              `conclusion in the second stretch do). ` +
              (Math.max(...off.map(pick)) > 2000
                ? `With pacing off the stretch took as long (${figures(off)}): the time is the machine's, not ` +
                  `the writes': the agent process starting (Node loading the bundled program), the clone and the ` +
                  `checks, on a shared machine under load (${s.taskOverhead?.loadAverage ?? '?'} at the start). ` +
                  `What would reach it: a quieter machine.`
                : `What would reach it: fewer writes in the stretch.`),
          }),
    };
  };
  return [
    judge(m1, (r) => r.toFirstRequestMs, 'before'),
    judge(m2, (r) => r.lastAnswerToConclusionMs, 'after'),
  ];
}
