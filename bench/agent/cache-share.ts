/**
 * Measurement 4, prompt-cache share: the same 40-turn scripted task through the Anthropic agent with prompt
 * caching on (our breakpoints) and off, each against a fresh scripted model (fresh cache). Share
 * = cache reads / (uncached input + cache reads + cache writes), from the usage the scripted
 * server reports, which models Anthropic's prefix cache (see its usage.ts).
 */
import { anthropicAgent } from '../../agent-task/agent/anthropic/loop.js';
import { DEFAULT_MODEL } from '../../core/model.js';
import { estimateCost } from '../../core/pricing.js';
import { StandIns } from '../support/stand-ins-client.js';
import { round } from '../support/stats.js';
import { progress, workerMain } from '../support/worker.js';
import { FIRST_MESSAGE, scriptFor, systemPrompt, timedClient, trivialTools } from './scripted-task.js';

export const TURNS = 40;

export interface CacheRun {
  caching: boolean;
  turns: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  /** cache_read / (input + cache_read + cache_write) */
  share: number;
  costUsd: number | null;
  errors: string[];
}

export interface CacheShareResult {
  model: string;
  runs: CacheRun[];
  /** Cost with caching / cost without. */
  costRatio: number | null;
}

async function run(standIns: StandIns, caching: boolean): Promise<CacheRun> {
  const { url } = await standIns.model(scriptFor(TURNS));
  const { client } = timedClient(url);
  const result = await anthropicAgent({ client, caching, maxRetries: 0 }).run(
    {
      model: DEFAULT_MODEL,
      system: systemPrompt(),
      tools: trivialTools().tools,
      firstMessage: FIRST_MESSAGE,
      limits: { turns: TURNS + 5, costUsd: 1_000_000, minutes: 30 },
    },
    {
      estimateCost: (usage) => estimateCost(DEFAULT_MODEL, usage),
      shouldCancel: async () => false,
    },
  );
  const report = await standIns.modelReport();
  const total = { input: 0, read: 0, write: 0, output: 0 };
  for (const usage of report.usages) {
    total.input += usage.input_tokens;
    total.read += usage.cache_read_input_tokens;
    total.write += usage.cache_creation_input_tokens;
    total.output += usage.output_tokens;
  }
  const share = total.read / (total.input + total.read + total.write || 1);
  progress(
    `cache share: caching ${caching ? 'on' : 'off'}: ${round(share * 100, 1)}% of input tokens read from cache`,
  );
  return {
    caching,
    turns: result.usage.turns,
    inputTokens: total.input,
    cacheReadTokens: total.read,
    cacheWriteTokens: total.write,
    outputTokens: total.output,
    share: round(share, 4),
    costUsd: result.usage.costUsd === null ? null : round(result.usage.costUsd, 4),
    errors: [
      ...report.errors,
      ...(result.outcome === 'done' ? [] : [`${result.outcome}: ${result.reason ?? ''}`]),
    ],
  };
}

async function main(): Promise<CacheShareResult> {
  const standIns = await StandIns.start();
  try {
    const on = await run(standIns, true);
    const off = await run(standIns, false);
    return {
      model: DEFAULT_MODEL,
      runs: [on, off],
      costRatio: on.costUsd !== null && off.costUsd ? round(on.costUsd / off.costUsd, 3) : null,
    };
  } finally {
    await standIns.close();
  }
}

workerMain(main);
