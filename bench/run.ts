/**
 * `npm run bench`: every measurement of issue 9, each in a process of its own, one after the
 * other; then the targets are judged and bench/results/results.{md,json} written. Benchmarks
 * never fail on a target. A section that breaks is reported as failed and the others still run.
 *
 *   npm run bench                         # everything (a few minutes)
 *   npm run bench -- webhook cache-share  # some sections, written to bench/results/*.tmp
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CacheShareResult } from './agent/cache-share.js';
import type { OverheadResult } from './agent/overhead.js';
import type { CloneTimeResult } from './clone/clone-time.js';
import type { TaskOverheadResult } from './task/overhead.js';
import type { WarmSetupResult } from './setup/setups.js';
import { machineFacts } from './support/machine.js';
import { renderMarkdown } from './support/report.js';
import type { BenchResults, Sections } from './support/results.js';
import { judgeTargets } from './support/targets.js';
import { BENCH_DIR, runWorker } from './support/worker.js';
import type { AnswerTimeResult } from './webhook/answer-time.js';
import type { ColdStartResult } from './webhook/cold-start.js';

const MINUTE = 60_000;

interface Section {
  name: string;
  title: string;
  run(sections: Sections): Promise<void>;
}

const SECTIONS: Section[] = [
  {
    name: 'webhook',
    title: 'webhook answer time',
    async run(s) {
      s.answerTime = await runWorker<AnswerTimeResult>('webhook/answer-time.ts', { timeoutMs: 6 * MINUTE });
    },
  },
  {
    name: 'cold-start',
    title: 'cold start',
    async run(s) {
      s.coldStart = await runWorker<ColdStartResult>('webhook/cold-start.ts', { timeoutMs: 4 * MINUTE });
    },
  },
  {
    name: 'agent-overhead',
    title: 'agent harness overhead',
    async run(s) {
      s.agentOverhead = [];
      for (const turns of [10, 100, 300]) {
        s.agentOverhead.push(
          await runWorker<OverheadResult>('agent/overhead.ts', {
            args: [String(turns)],
            nodeFlags: ['--expose-gc'],
            timeoutMs: 4 * MINUTE,
          }),
        );
      }
    },
  },
  {
    name: 'cache-share',
    title: 'prompt-cache share',
    async run(s) {
      s.cacheShare = await runWorker<CacheShareResult>('agent/cache-share.ts', { timeoutMs: 2 * MINUTE });
    },
  },
  {
    name: 'clone',
    title: 'workspace preparation',
    async run(s) {
      s.clone = await runWorker<CloneTimeResult>('clone/clone-time.ts', { timeoutMs: 10 * MINUTE });
    },
  },
  {
    name: 'task-overhead',
    title: 'task overhead',
    async run(s) {
      s.taskOverhead = await runWorker<TaskOverheadResult>('task/overhead.ts', { timeoutMs: 12 * MINUTE });
    },
  },
  {
    name: 'setup-cache',
    title: 'warm setup',
    async run(s) {
      s.setupCache = await runWorker<WarmSetupResult>('setup/warm-setup.ts', { timeoutMs: 20 * MINUTE });
    },
  },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !SECTIONS.some((s) => s.name === w));
  if (unknown.length > 0) {
    console.error(
      `unknown section(s): ${unknown.join(', ')}; choose from ${SECTIONS.map((s) => s.name).join(', ')}`,
    );
    process.exit(2);
  }
  const chosen = wanted.length === 0 ? SECTIONS : SECTIONS.filter((s) => wanted.includes(s.name));
  const started = performance.now();
  const machine = machineFacts();
  console.log(
    `Nightshift benchmarks: ${machine.cores} cores, node ${machine.node}, load ${machine.loadAverageAtStart}`,
  );
  const sections: Sections = {};
  const failures: BenchResults['failures'] = [];
  for (const section of chosen) {
    const t0 = performance.now();
    console.log(`\n▶ ${section.title}`);
    try {
      await section.run(sections);
      console.log(`✓ ${section.title} (${Math.round((performance.now() - t0) / 1000)} s)`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ section: section.name, error: message });
      console.error(`✗ ${section.title}: ${message}`);
    }
  }
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    durationS: Math.round((performance.now() - started) / 1000),
    machine,
    sections,
    failures,
    targets: judgeTargets(sections),
  };
  const dir = join(BENCH_DIR, 'results');
  await mkdir(dir, { recursive: true });
  // A partial run must not overwrite the full results: it goes to git-ignored files.
  const suffix = chosen.length === SECTIONS.length ? '' : '.partial.tmp';
  const markdown = renderMarkdown(results);
  await writeFile(join(dir, `results.json${suffix}`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(dir, `results.md${suffix}`), markdown);
  const summary = markdown.slice(
    markdown.indexOf('## Targets'),
    markdown.indexOf('\n## ', markdown.indexOf('## Targets') + 1),
  );
  console.log(
    `\n${summary.trim()}\n\nWrote bench/results/results.md${suffix} and results.json${suffix} in ${results.durationS} s.`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
