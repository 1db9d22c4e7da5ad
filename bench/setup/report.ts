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
  const tmpfs = r.ratio['guarded-tmpfs'];
  return {
    measurement,
    target,
    measured:
      `${seconds(msOf(r, 'guarded-disk', 'second'))} s vs ${seconds(msOf(r, 'guarded-disk', 'first'))} s ` +
      `(${percent(ratio)}) for ${r.packages} packages` +
      (tmpfs === undefined ? '' : `; in a tmpfs ${percent(tmpfs)}`) +
      `; plain \`npm ci\` ${percent(r.ratio['plain-disk'])}`,
    met,
    ...(met
      ? {}
      : {
          note:
            `The second task restores a ${round((r.archiveBytes['guarded-disk'] ?? 0) / 2 ** 20, 1)} MiB archive ` +
            'and skips `npm ci`; what is left is creating node_modules’ 7,000 files and folders again. On this ' +
            'machine’s disk each create waits about a millisecond (strace: openat and mkdirat ~1 ms each, as root ' +
            'or not, tar alone), about as much as `npm ci` itself spends writing them; in a tmpfs the same restore ' +
            'takes a fifth of a second. What would reach it here: not creating the files at all, e.g. the entry kept ' +
            'unpacked (read-only) and mounted under the checkout as the lower layer of a bubblewrap overlay; or a ' +
            'faster disk.',
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
      'folder, as the agent task does; `tmpfs`: in /dev/shm, which separates this machine’s slow file creation.',
    '',
    table(
      [
        'setup command',
        'task folders',
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
