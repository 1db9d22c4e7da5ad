/** results.md: the machine, the targets, then one table per measurement. */
import type { BenchResults } from './results.js';
import { round } from './stats.js';
import { warmSetupReport } from '../setup/report.js';

type Cell = string | number | undefined | null;

/** A markdown table; a column whose cells are all numbers is right-aligned. */
function table(header: string[], rows: Cell[][]): string {
  const cell = (value: Cell) =>
    value === undefined || value === null ? '–' : String(value).replace(/\|/g, '\\|');
  const numeric = header.map((_, i) =>
    rows.every((row) => {
      const value = row[i];
      return value === undefined || value === null || typeof value === 'number' || /^[\d.,–-]+$/.test(value);
    }),
  );
  return [
    `| ${header.join(' | ')} |`,
    `| ${numeric.map((right) => (right ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

const kb = (bytes: number) => round(bytes / 1000, 0).toLocaleString('en-US');
const mb = (bytes: number) => round(bytes / 1_000_000, 2);
const verdict = (met: boolean | null) => (met === null ? 'not run' : met ? '✅ met' : '❌ missed');

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    '# Nightshift benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC at commit ` +
      `${m.commit}, in ${round(r.durationS, 0)} s. One run on a shared, noisy machine: read the ratios more than ` +
      `the absolute figures. Nothing here fails on a target; each is reported as met or missed. Raw figures: ` +
      '`results.json`.',
    '',
    '## Machine',
    '',
    table(
      ['fact', 'value'],
      [
        ['cores', `${m.cores} (${m.cpuModel})`],
        ['memory', `${m.memoryGiB} GiB`],
        ['node', m.node],
        ['OS', m.os],
        ['git', m.git],
        ['load average (1 min) at start', m.loadAverageAtStart],
        ...Object.entries(m.versions).map(([name, version]) => [name, version]),
      ],
    ),
    '',
    '## Targets',
    '',
    table(
      ['measurement', 'target', 'measured', 'result'],
      r.targets.map((t) => [t.measurement, t.target, t.measured, verdict(t.met)]),
    ),
    '',
  );
  const notes = r.targets.filter((t) => t.note);
  if (notes.length > 0) {
    out.push('Why the missed ones were missed, and what would reach them:', '');
    for (const t of notes) out.push(`- **${t.measurement}.** ${t.note}`);
    out.push('');
  }
  if (r.failures.length > 0) {
    out.push('## Sections that failed', '');
    for (const f of r.failures) out.push(`- **${f.section}**: ${f.error.split('\n')[0]}`);
    out.push('');
  }
  out.push(
    ...answerTime(r),
    ...coldStart(r),
    ...overhead(r),
    ...cacheShare(r),
    ...clone(r),
    ...taskOverhead(r),
  );
  out.push(...warmSetupReport(r, table));
  return `${out.join('\n').trimEnd()}\n`;
}

function answerTime(r: BenchResults): string[] {
  const a = r.sections.answerTime;
  if (!a) return [];
  const c1 = (side: string) => a.runs.find((x) => x.side === side && x.concurrency === 1);
  return [
    '## 1. Webhook answer time',
    '',
    `Signed deliveries from \`@octokit/webhooks-examples\` (${a.mix.filter((k) => k.trigger).length} triggers in ` +
      `${a.mix.length}: ${a.mix.map((k) => k.kind).join(', ')}), each with its own delivery id, through each ` +
      'Lambda handler in-process by a closed loop of 1, 16 or 64 callers. Store on dynalite and GitHub on the ' +
      'fake, both in a separate process (as DynamoDB and GitHub are elsewhere on AWS); dispatch is a no-op. ' +
      '**nightshift**: `handleWebhook`, the one acceptance path (signature, then intake), which answers after recording the task. ' +
      '**stock**: `@probot/adapter-aws-lambda-serverless` `createLambdaFunction` with the same app written for ' +
      'its shape (Probot 13): permission check, `context.config`, check run on the PR head (or tracking comment ' +
      'on an issue) in-line, then the same intake; Probot 13’s throttling plugin is turned off ' +
      '(`throttle: { enabled: false }`) so that its write pacing (one POST a second) is not what is measured. ' +
      'Milliseconds.',
    '',
    table(
      [
        'side',
        'concurrency',
        'deliveries',
        'p50',
        'p99',
        'trigger p50',
        'trigger p99',
        'other p50',
        'other p99',
        'per second',
        'non-2xx',
      ],
      a.runs.map((x) => [
        x.side,
        x.concurrency,
        x.deliveries,
        x.all.p50,
        x.all.p99,
        x.triggers.p50,
        x.triggers.p99,
        x.others.p50,
        x.others.p99,
        x.throughputPerS,
        Object.entries(x.statuses)
          .filter(([status]) => !status.startsWith('2'))
          .reduce((n, [, count]) => n + count, 0),
      ]),
    ),
    '',
    'Stock ÷ nightshift (times slower; throughput: nightshift ÷ stock):',
    '',
    table(
      ['concurrency', 'p50', 'p99', 'trigger p50', 'throughput'],
      a.comparison.map((c) => [c.concurrency, c.p50Ratio, c.p99Ratio, c.triggerP50Ratio, c.throughputRatio]),
    ),
    '',
    'Where the time goes (ms; own = answer minus store and GitHub time, concurrency 1):',
    '',
    table(
      [
        'side',
        'own, triggers p50',
        'own, others p50',
        'store request p50 / p99',
        'GitHub calls',
        'GitHub call p50 / p99',
      ],
      (['nightshift', 'stock'] as const).map((side) => {
        const x = c1(side);
        return [
          side,
          x?.ownTriggers?.p50,
          x?.ownOthers?.p50,
          x ? `${x.store.p50} / ${x.store.p99}` : undefined,
          x?.github.n,
          x && x.github.n > 0 ? `${x.github.p50} / ${x.github.p99}` : '–',
        ];
      }),
    ),
    '',
    `Calls the fake GitHub answered over the whole measurement: ${Object.entries(a.githubCalls)
      .map(([k, v]) => `${k} × ${v}`)
      .join(', ')}.`,
    '',
  ];
}

function coldStart(r: BenchResults): string[] {
  const c = r.sections.coldStart;
  if (!c) return [];
  return [
    '## 2. Cold start',
    '',
    'Each handler bundled by esbuild with the settings CDK uses (`cdk/bundling.ts`: minified ESM for Node 22, ' +
      'source maps, everything bundled; ours through `scripts/bundle.ts`). The stock bundle differs in one ' +
      'setting: `mainFields: [main, module]`, because with `module` first Probot 13’s JWT library resolves to ' +
      'its WebCrypto build, which refuses GitHub’s PKCS#1 keys. Then, per run, a fresh `node --enable-source-maps` ' +
      '(as our CDK construct sets `NODE_OPTIONS`) imports the bundle and answers one delivery, a trigger ' +
      '(`issues.labeled agent`). Our dispatch invoke goes to a local stub of the Lambda API (202). Medians of ' +
      `${c.sides[0]?.runs.length ?? 0} runs after one warm-up, sides alternating. ` +
      `The Node here is ${r.machine.node}, not Lambda’s Node 22.`,
    '',
    table(
      [
        'side',
        'bundle (kB)',
        'gzip (kB)',
        'source map (kB)',
        'import (ms)',
        'first answer (ms)',
        'import + answer (ms)',
        'from process start (ms)',
      ],
      c.sides.map((s) => [
        s.side,
        kb(s.bundle.bytes),
        kb(s.bundle.gzipBytes),
        kb(s.bundle.sourceMapBytes),
        s.median.importMs,
        s.median.firstAnswerMs,
        s.median.loadAndAnswerMs,
        s.median.sinceProcessStartMs,
      ]),
    ),
    '',
    `Stock ÷ nightshift: bundle ${c.bundleRatio}×, import + first answer ${c.loadAndAnswerRatio}×. ` +
      `Dispatch invokes received by the stub: ${c.lambdaInvokes}.`,
    '',
    'Largest packages in each bundle (kB of output):',
    '',
    ...c.sides.map(
      (s) => `- ${s.side}: ${s.bundle.largest.map((p) => `${p.name} ${kb(p.bytes)}`).join(', ')}`,
    ),
    '',
  ];
}

function overhead(r: BenchResults): string[] {
  const o = r.sections.agentOverhead;
  if (!o || o.length === 0) return [];
  return [
    '## 3. Agent harness overhead',
    '',
    'The Anthropic agent (`anthropicAgent`, behind the agent port) with the real system prompt and tool definitions against the scripted model (its own process, ' +
      'answering at once), with in-process tools that answer at once with about a kilobyte (a file excerpt, a ' +
      'command’s output). Each length runs in a fresh process after a 10-turn warm-up. Own time = wall time − ' +
      'model round trips (call to last byte) − tool time. Memory: heap after a full GC, held by the finished ' +
      'run; RSS growth of the process (noisy).',
    '',
    table(
      [
        'turns',
        'runs',
        'own ms / turn (median)',
        'own ms total',
        'model ms / turn',
        'first tenth ms / turn',
        'last tenth ms / turn',
        'last request (kB)',
        'heap Δ (kB)',
        'heap / turn (kB)',
        'RSS Δ (kB)',
      ],
      o.map((x) => [
        x.turns,
        x.reps,
        x.ownMsPerTurn,
        x.ownMsTotal,
        x.modelMsPerTurn,
        x.firstTenthMsPerTurn,
        x.lastTenthMsPerTurn,
        kb(x.lastRequestBytes),
        kb(x.heapDeltaBytes),
        round(x.heapPerTurnBytes / 1000, 1),
        kb(x.rssDeltaBytes),
      ]),
    ),
    '',
  ];
}

function cacheShare(r: BenchResults): string[] {
  const c = r.sections.cacheShare;
  if (!c) return [];
  return [
    '## 4. Prompt-cache share',
    '',
    `The same 40-turn scripted task through the Anthropic agent, prompt caching on and off, each against a fresh ` +
      'scripted model, whose usage models Anthropic’s prefix cache. Share = cache reads ÷ (input + cache reads ' +
      `+ cache writes). Cost estimated with the price table for ${c.model}.`,
    '',
    table(
      ['caching', 'turns', 'input', 'cache read', 'cache write', 'output', 'share', 'est. cost (USD)'],
      c.runs.map((x) => [
        x.caching ? 'on' : 'off',
        x.turns,
        x.inputTokens,
        x.cacheReadTokens,
        x.cacheWriteTokens,
        x.outputTokens,
        `${round(x.share * 100, 1)}%`,
        x.costUsd,
      ]),
    ),
    '',
    c.costRatio === null
      ? ''
      : `With caching the task costs ${round(c.costRatio * 100, 1)}% of what it costs without.`,
    '',
  ];
}

function clone(r: BenchResults): string[] {
  const c = r.sections.clone;
  if (!c) return [];
  const label: Record<string, string> = {
    partial: 'partial (`OwnRepository.clone` + the agent checkout from it)',
    full: 'full',
    treeless: 'treeless (--filter=tree:0), diagnostic',
    'partial-tmpfs': 'partial, into a tmpfs, diagnostic',
    'full-tmpfs': 'full, into a tmpfs, diagnostic',
  };
  return [
    '## 5. Workspace preparation',
    '',
    `A synthetic repository built with \`git fast-import\` and repacked with a bitmap: ${c.repo.commits.toLocaleString('en-US')} ` +
      `commits, ${c.repo.files.toLocaleString('en-US')} files at first and ${c.repo.tipFiles.toLocaleString('en-US')} at ` +
      `the tip (${mb(c.repo.checkoutBytes)} MB), pack ${mb(c.repo.packBytes)} MB; commits edit 1–4 files each. Served ` +
      'by the fake GitHub’s smart HTTP (`git http-backend`, installation token in `http.extraHeader`). Time to a ' +
      'ready workspace (clone + checkout of main) in the system temp folder, as the agent task does; medians of ' +
      `${c.runs.filter((x) => x.kind === 'partial').length} runs (diagnostics: ` +
      `${c.runs.filter((x) => x.kind === 'treeless').length}), kinds alternating. This machine’s disk is shared ` +
      'and slow to create files, so the on-disk times vary a lot between runs; the tmpfs rows show the same ' +
      'clones without the disk.',
    '',
    table(
      ['clone', 'median (s)', '.git afterwards (MB)', 'runs (s)'],
      Object.entries(c.medianMs).map(([kind, value]) => [
        label[kind] ?? kind,
        round((value ?? 0) / 1000, 2),
        mb(c.medianGitBytes[kind as keyof typeof c.medianGitBytes] ?? 0),
        c.runs
          .filter((x) => x.kind === kind)
          .map((x) => round(x.ms / 1000, 2))
          .join(', '),
      ]),
    ),
    '',
    `Partial ÷ full: ${c.ratio}.`,
    '',
  ];
}

function taskOverhead(r: BenchResults): string[] {
  const t = r.sections.taskOverhead;
  if (!t) return [];
  const list = (writes: string[]) => (writes.length ? `${writes.length}: ${writes.join(', ')}` : '0');
  return [
    '## 6. Task overhead',
    '',
    '`npm start`’s server (its own process, embedded store, a child agent process per task) against the ' +
      'fake GitHub and the scripted model in the stand-ins process, the model answering at once, so that only ' +
      'Nightshift’s own time counts: from posting the signed webhook to the first model request, and from the ' +
      'model’s last answer to the concluded `nightshift` check run. An issue labelled `agent` and `/agent fix` ' +
      'on a pull request (two model turns each, the repository’s `node test.js` after), with GitHub’s write ' +
      'pacing on (a second between writes, the default) and off; one task of each kind warms the server ' +
      `first, then medians of ${t.runs[0]?.reps ?? 0}. Writes are those of the first repetition, as the fake ` +
      'GitHub answered them (both processes: dispatch’s and the agent’s).',
    '',
    table(
      [
        'task',
        'pacing',
        'webhook → first request (ms)',
        'last answer → conclusion (ms)',
        'writes before the first request',
        'writes from the last answer to the conclusion',
        'writes after it',
      ],
      t.runs.map((x) => [
        x.kind === 'issue' ? 'issue (label)' : '`/agent fix`',
        x.pacing,
        x.toFirstRequestMs,
        x.lastAnswerToConclusionMs,
        list(x.writes.beforeFirstRequest),
        list(x.writes.beforeConclusion),
        list(x.writes.afterConclusion),
      ]),
    ),
    '',
  ];
}
