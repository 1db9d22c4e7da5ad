/**
 * Measurement 3, agent harness overhead, for one conversation length (argv[2] turns), in a fresh
 * process started with --expose-gc: the Anthropic agent (`anthropicAgent`) against the scripted model (in the stand-ins
 * process, answering at once) with tools that answer at once. Our own time is the wall time of the
 * run minus the model's round trips (call to last byte) minus the tools' time; memory is what the
 * finished run holds (heap after a full GC) and the process's RSS growth.
 */
import { performance } from 'node:perf_hooks';
import { anthropicAgent } from '../../agent-task/agent/anthropic/loop.js';
import { DEFAULT_MODEL } from '../../core/model.js';
import { estimateCost } from '../../core/pricing.js';
import { StandIns } from '../support/stand-ins-client.js';
import { median, round } from '../support/stats.js';
import { progress, workerMain } from '../support/worker.js';
import {
  FIRST_MESSAGE,
  scriptFor,
  systemPrompt,
  timedClient,
  trivialTools,
  type Span,
} from './scripted-task.js';

export interface OverheadRun {
  turns: number;
  wallMs: number;
  modelMs: number;
  toolMs: number;
  ownMs: number;
  ownMsPerTurn: number;
  /** Our own time in each turn (ms), in order. */
  perTurn: number[];
  lastRequestBytes: number;
}

export interface OverheadResult {
  turns: number;
  reps: number;
  /** Median over the repetitions. */
  ownMsPerTurn: number;
  ownMsTotal: number;
  modelMsPerTurn: number;
  /** Mean own ms per turn over the first and the last tenth of the turns (first repetition). */
  firstTenthMsPerTurn: number;
  lastTenthMsPerTurn: number;
  lastRequestBytes: number;
  heapDeltaBytes: number;
  rssDeltaBytes: number;
  heapPerTurnBytes: number;
  errors: string[];
}

const REPS: Record<number, number> = { 10: 7, 100: 3, 300: 2 };

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

const sum = (spans: Span[]) => spans.reduce((total, s) => total + (s.end - s.start), 0);

async function runOnce(standIns: StandIns, turns: number) {
  const { url } = await standIns.model(scriptFor(turns));
  const { client, spans: model, requestBytes } = timedClient(url);
  const { tools, spans: toolSpans } = trivialTools();
  const system = systemPrompt();
  const started = performance.now();
  const result = await anthropicAgent({ client, maxRetries: 0 }).run(
    {
      model: DEFAULT_MODEL,
      system,
      tools,
      firstMessage: FIRST_MESSAGE,
      limits: { turns: turns + 5, costUsd: 1_000_000, minutes: 30 },
    },
    {
      estimateCost: (usage) => estimateCost(DEFAULT_MODEL, usage),
      shouldCancel: async () => false,
      onEvent: () => undefined,
    },
  );
  const ended = performance.now();
  if (result.outcome !== 'done' || result.usage.turns !== turns) {
    throw new Error(
      `agent ended ${result.outcome} after ${result.usage.turns} turns: ${result.reason ?? ''}`,
    );
  }
  const wallMs = ended - started;
  const modelMs = sum(model);
  const toolMs = sum(toolSpans);
  // Turn i runs from its request's start to the next one's (the first from the start of the run).
  const perTurn = model.map((span, i) => {
    const from = i === 0 ? started : span.start;
    const to = model[i + 1]?.start ?? ended;
    const tools = toolSpans.filter((t) => t.start >= from && t.end <= to);
    return to - from - (span.end - span.start) - sum(tools);
  });
  const run: OverheadRun = {
    turns,
    wallMs,
    modelMs,
    toolMs,
    ownMs: wallMs - modelMs - toolMs,
    ownMsPerTurn: (wallMs - modelMs - toolMs) / turns,
    perTurn,
    lastRequestBytes: requestBytes.at(-1) ?? 0,
  };
  return { run, result };
}

async function main(): Promise<OverheadResult> {
  const turns = Number(process.argv[2] ?? 10);
  const reps = REPS[turns] ?? 1;
  const standIns = await StandIns.start();
  try {
    progress(`agent overhead: ${turns} turns, warming up`);
    await runOnce(standIns, 10);
    const runs: OverheadRun[] = [];
    let memory = { heap: 0, rss: 0 };
    for (let rep = 0; rep < reps; rep++) {
      collectGarbage();
      const before = process.memoryUsage();
      const { run, result } = await runOnce(standIns, turns);
      if (rep === 0) {
        collectGarbage();
        const after = process.memoryUsage();
        memory = { heap: after.heapUsed - before.heapUsed, rss: after.rss - before.rss };
      }
      runs.push(run);
      progress(
        `agent overhead: ${turns} turns: own ${round(run.ownMsPerTurn, 3)} ms/turn (run ${rep + 1}/${reps})`,
      );
      void result.conversation; // the finished run, held until memory was measured
    }
    const report = await standIns.modelReport();
    const first = runs[0];
    if (!first) throw new Error('no run');
    const tenth = Math.max(1, Math.floor(turns / 10));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
    return {
      turns,
      reps,
      ownMsPerTurn: round(median(runs.map((r) => r.ownMsPerTurn)), 3),
      ownMsTotal: round(median(runs.map((r) => r.ownMs))),
      modelMsPerTurn: round(median(runs.map((r) => r.modelMs / r.turns)), 3),
      firstTenthMsPerTurn: round(mean(first.perTurn.slice(0, tenth)), 3),
      lastTenthMsPerTurn: round(mean(first.perTurn.slice(-tenth)), 3),
      lastRequestBytes: first.lastRequestBytes,
      heapDeltaBytes: memory.heap,
      rssDeltaBytes: memory.rss,
      heapPerTurnBytes: Math.round(memory.heap / turns),
      errors: report.errors,
    };
  } finally {
    await standIns.close();
  }
}

workerMain(main);
