/**
 * Measurement 5, workspace preparation: time to a ready workspace (clone + checkout of the default
 * branch) of a large repository served by the fake GitHub's smart HTTP (`git http-backend`, token
 * in an `http.extraHeader`): our two clones (`OwnRepository.clone`, bare and `--filter=blob:none`, then the agent's checkout from it) against a
 * full clone with otherwise the same command and settings. Runs alternate; medians of five (of
 * three for the diagnostics).
 *
 * Two diagnostics beside the measured pair: a treeless clone (`--filter=tree:0`, what would fetch
 * less up front), and the partial and full clones into a tmpfs (/dev/shm), which separates the
 * transfer from writing the checkout to this machine's disk.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runGit } from '../../agent-task/git.js';
import { gitCredentialSetting } from '../../agent-task/github-access.js';
import { OwnRepository } from '../../agent-task/own-repository.js';
import { StandIns } from '../support/stand-ins-client.js';
import { median, ratio, round } from '../support/stats.js';
import { BENCH_DIR, progress, workerMain } from '../support/worker.js';
import { ensureRepo, type RepoFacts } from './big-repo.js';

const RUNS = 5;
const DIAGNOSTIC_RUNS = 3;
const TMPFS = '/dev/shm';

type Kind = 'partial' | 'full' | 'treeless' | 'partial-tmpfs' | 'full-tmpfs';
const MEASURED: Kind[] = ['partial', 'full'];
const DIAGNOSTIC: Kind[] = ['treeless', 'partial-tmpfs', 'full-tmpfs'];

export interface CloneRun {
  kind: Kind;
  ms: number;
  /** Bytes under .git afterwards: roughly what was transferred. */
  gitBytes: number;
  filesCheckedOut: number;
}

export interface CloneTimeResult {
  repo: Omit<RepoFacts, 'gitDir'>;
  runs: CloneRun[];
  medianMs: Partial<Record<Kind, number>>;
  medianGitBytes: Partial<Record<Kind, number>>;
  /** partial / full, on the medians. */
  ratio: number;
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function cloneOnce(kind: Kind, cloneUrl: string, token: string): Promise<CloneRun> {
  const parent = await mkdtemp(join(kind.endsWith('-tmpfs') ? TMPFS : tmpdir(), 'bench-clone-'));
  const dir = join(parent, 'workspace');
  const filter =
    kind === 'treeless' ? ['--filter=tree:0'] : kind === 'full' || kind === 'full-tmpfs' ? [] : null;
  try {
    const started = performance.now();
    if (filter === null) {
      // What a task does: our own bare partial clone (with the tip's blobs), then the agent's
      // checkout cloned from it over file:// (as the tools would, here as the same user).
      const own = await OwnRepository.clone(
        { dir: join(parent, 'own.git'), cloneUrl, tokens: { token: async () => token } },
        'main',
      );
      await runGit(
        ['clone', '--no-local', '--filter=blob:none', '--branch', 'main', '--', `file://${own.dir}`, dir],
        {
          cwd: parent,
          settings: [['protocol.file.allow', 'always']],
        },
      );
    } else {
      await runGit(['clone', ...filter, '--no-tags', '--branch', 'main', '--', cloneUrl, dir], {
        cwd: parent,
        settings: [gitCredentialSetting(token)],
      });
    }
    const ms = performance.now() - started;
    const files = (await runGit(['ls-files'], { cwd: dir })).stdout.split('\n').filter(Boolean).length;
    const own = join(parent, 'own.git');
    const gitBytes = (await bytesUnder(join(dir, '.git'))) + (existsSync(own) ? await bytesUnder(own) : 0);
    return { kind, ms: round(ms), gitBytes, filesCheckedOut: files };
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

async function main(): Promise<CloneTimeResult> {
  progress('clone: preparing the large repository (cached after the first run)');
  const facts = await ensureRepo(join(BENCH_DIR, 'results'));
  progress(
    `clone: ${facts.commits} commits, ${facts.files} files, pack ${round(facts.packBytes / 2 ** 20, 1)} MiB` +
      (facts.cached ? ' (cached)' : ` (built in ${round((facts.buildMs ?? 0) / 1000, 1)} s)`),
  );
  // Read the packs once, so that the first timed run does not pay for a cold disk cache.
  const packs = join(facts.gitDir, 'objects', 'pack');
  for (const name of await readdir(packs)) await readFile(join(packs, name));

  const standIns = await StandIns.start();
  try {
    await standIns.github();
    const { cloneUrl } = await standIns.bareRepo('acme', 'big', facts.gitDir);
    const token = await standIns.token('acme/big');
    const runs: CloneRun[] = [];
    const kinds = [...MEASURED, ...DIAGNOSTIC.filter((k) => !k.endsWith('-tmpfs') || existsSync(TMPFS))];
    for (let run = 0; run < RUNS; run++) {
      const now = run < DIAGNOSTIC_RUNS ? kinds : MEASURED;
      const order = run % 2 === 0 ? now : [...now].reverse();
      for (const kind of order) {
        const result = await cloneOnce(kind, cloneUrl, token);
        if (result.filesCheckedOut < facts.tipFiles) {
          throw new Error(`${kind} clone checked out ${result.filesCheckedOut} of ${facts.tipFiles} files`);
        }
        runs.push(result);
        progress(`clone: ${kind} run ${run + 1}: ${round(result.ms / 1000, 2)} s`);
      }
    }
    const pick = (kind: Kind, key: 'ms' | 'gitBytes') =>
      round(median(runs.filter((r) => r.kind === kind).map((r) => r[key])));
    const medianMs = Object.fromEntries(kinds.map((k) => [k, pick(k, 'ms')]));
    const medianGitBytes = Object.fromEntries(kinds.map((k) => [k, pick(k, 'gitBytes')]));
    const { gitDir: _gitDir, ...repo } = facts;
    return {
      repo,
      runs,
      medianMs,
      medianGitBytes,
      ratio: ratio(medianMs.partial ?? Number.NaN, medianMs.full ?? Number.NaN),
    };
  } finally {
    await standIns.close();
  }
}

workerMain(main);
