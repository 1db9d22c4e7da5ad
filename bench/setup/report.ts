/** The warm-setup section's target and its part of results.md (kept here, beside its measurement). */
import type { BenchResults, Sections, TargetResult } from '../support/results.js';
import { round } from '../support/stats.js';
import { SETUPS, VARIANTS, variantName, type WarmSetupResult } from './setups.js';

type Table = (head: string[], rows: Array<Array<string | number | undefined>>) => string;

const seconds = (ms: number | undefined) => round((ms ?? Number.NaN) / 1000, 1);
const percent = (ratio: number | undefined) => `${round((ratio ?? Number.NaN) * 100, 1)}%`;

function msOf(r: WarmSetupResult, variant: string, task: 'first' | 'second'): number | undefined {
  return r.runs.find((x) => x.variant === variant && x.task === task)?.ms;
}

export function warmSetupTarget(s: Sections): TargetResult {
  const measurement = 'Warm setup, npm project';
  const target = 'second task’s setup ≤ 25% of the first’s';
  const r = s.setupCache;
  if (!r) return { measurement, target, measured: 'not run', met: null };
  const ratio = r.ratio['guarded-disk'] ?? Number.NaN;
  const met = ratio <= 0.25;
  const unpacked = r.ratio['guarded-disk-unpacked'];
  const tmpfs = r.ratio['guarded-tmpfs-unpacked'];
  return {
    measurement,
    target,
    measured:
      `${round((msOf(r, 'guarded-disk', 'second') ?? Number.NaN) / 1000, 2)} s vs ` +
      `${seconds(msOf(r, 'guarded-disk', 'first'))} s ` +
      `(${percent(ratio)}) for ${r.packages} packages, unpacked ahead` +
      (unpacked === undefined ? '' : `; unpacking then ${percent(unpacked)}`) +
      (tmpfs === undefined ? '' : ` (in a tmpfs ${percent(tmpfs)})`) +
      `; plain \`npm ci\` ${percent(r.ratio['plain-disk'])}`,
    met,
    ...(met
      ? {}
      : {
          note:
            'The second task moves the spare the first had unpacked into its checkout and skips `npm ci`; what ' +
            'is left should be a rename and a chown. Look at the second task’s log line in the bench’s progress.',
        }),
  };
}

export function warmSetupReport(r: BenchResults, table: Table): string[] {
  const c = r.sections.setupCache;
  if (!c) return [];
  return [
    '## 6. Warm setup',
    '',
    `A project whose lockfile holds ${c.packages} packages from the npm registry (jest, eslint, express). Each ` +
      'task clones it from the fake GitHub, makes the tools’ sandbox and checkout, and runs `runSetup`: restore ' +
      'the setup cache, the setup command in the sandboxed shell (real `npm ci`, real network, an empty npm ' +
      `cache in a fresh home), pack and save. The cache store is a local folder; archives are ${c.codec}. The ` +
      'first task finds no entry, the second restores the first’s. `disk`: task folders in the system temp ' +
      'folder, as the agent task does; `tmpfs`: in /dev/shm, which separates this machine’s slow file creation. ' +
      'As `npm start` does, after the first task’s setup its entry is unpacked ahead, in the background, for the ' +
      'next task (agent-task/setup/setup-spares.ts): the second task moves that folder in. Without a spare (two ' +
      'tasks of a repository at once, every task on AWS) the archive is unpacked.',
    '',
    table(
      [
        'setup command',
        'task folders',
        'second task restores',
        'first task (s)',
        'second task (s)',
        'second ÷ first',
        'archive (MiB)',
      ],
      VARIANTS.map((v) => variantName(v))
        .filter((name) => c.ratio[name] !== undefined)
        .map((name) => {
          const v = VARIANTS.find((x) => variantName(x) === name)!;
          return [
            `\`${SETUPS[v.setup]}\``,
            v.where,
            v.spares ? 'the spare unpacked ahead' : 'by unpacking the archive',
            seconds(msOf(c, name, 'first')),
            seconds(msOf(c, name, 'second')),
            c.ratio[name],
            round((c.archiveBytes[name] ?? 0) / 2 ** 20, 1),
          ];
        }),
    ),
    '',
    'The guarded setup caches node_modules (`cache.paths: [node_modules]`) and skips `npm ci` when it was ' +
      'restored; the plain `npm ci`, which removes node_modules before it installs, has the default cache: ' +
      'npm’s downloads (`~/.npm/_cacache`).',
    '',
  ];
}
