/**
 * A large repository for the clone benchmark, made fast: one `git fast-import` stream (no loop of
 * `git commit`), then one repack with deltas and a bitmap, as a hosting server keeps its repos.
 * 5,000 source files of a few kilobytes in 50 packages, and 20,000 commits of about the median
 * size of commits in open-source projects: one to four files, in each a hunk or two of 3 to 12
 * lines rewritten and sometimes a function added; one commit in 25 adds a file. Deterministic, and
 * cached under bench/results/ (git-ignored) between runs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { git, gitEnv, initBare } from '../../test/support/fake-github/git.js';
import { WORDS, seededRandom } from '../support/generated-text.js';

export interface RepoSpec {
  commits: number;
  files: number;
  packages: number;
}

export const BIG_REPO: RepoSpec = { commits: 20_000, files: 5_000, packages: 50 };

export interface RepoFacts {
  gitDir: string;
  commits: number;
  files: number;
  /** Bytes of the packed repository (all history). */
  packBytes: number;
  /** Files and their bytes at the tip. */
  tipFiles: number;
  checkoutBytes: number;
  /** How long building took (when it was built in this run). */
  buildMs?: number;
  cached: boolean;
}

const MARKER = 'bench-facts.json';

export function cacheDirFor(root: string, spec: RepoSpec): string {
  return join(root, `.cache-repo-${spec.commits}c-${spec.files}f-v2.tmp`);
}

/** The cached repository, built first if it is missing or was left half-built. */
export async function ensureRepo(root: string, spec: RepoSpec = BIG_REPO): Promise<RepoFacts> {
  const gitDir = cacheDirFor(root, spec);
  const marker = join(gitDir, MARKER);
  if (existsSync(marker)) {
    return { ...(JSON.parse(await readFile(marker, 'utf8')) as RepoFacts), gitDir, cached: true };
  }
  await rm(gitDir, { recursive: true, force: true });
  const started = performance.now();
  await initBare(gitDir, 'main');
  const tip = await fastImport(gitDir, spec);
  const repack = await git(gitDir, ['repack', '-a', '-d', '-f', '-b', '-q', '--window=10', '--depth=50']);
  if (repack.code !== 0) throw new Error(`git repack failed: ${repack.stderr}`);
  const packBytes = await packSize(gitDir);
  const facts: RepoFacts = {
    gitDir,
    commits: spec.commits,
    files: spec.files,
    packBytes,
    tipFiles: tip.files,
    checkoutBytes: tip.bytes,
    buildMs: Math.round(performance.now() - started),
    cached: false,
  };
  await writeFile(marker, JSON.stringify(facts, null, 2));
  return facts;
}

async function packSize(gitDir: string): Promise<number> {
  const out = await git(gitDir, ['count-objects', '-v']);
  const kib = /size-pack: (\d+)/.exec(out.stdout.toString())?.[1];
  return Number(kib ?? 0) * 1024;
}

/** Streams the whole history into `git fast-import`; returns the tip's file count and bytes. */
async function fastImport(gitDir: string, spec: RepoSpec): Promise<{ files: number; bytes: number }> {
  const child = spawn('git', ['--git-dir', gitDir, 'fast-import', '--quiet', '--done'], {
    env: gitEnv(),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  const write = async (chunk: string) => {
    if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  };

  const next = seededRandom(20_000);
  const word = () => WORDS[Math.floor(next() * WORDS.length)] ?? 'value';
  const line = () =>
    `  const ${word()}${Math.floor(next() * 10_000)} = ${word()}(${word()}, ${Math.floor(next() * 1000)}); // ${word()} ${word()} ${word()}`;
  const perPackage = Math.ceil(spec.files / spec.packages);
  const paths = Array.from({ length: spec.files }, (_, i) => {
    const pkg = String(Math.floor(i / perPackage)).padStart(2, '0');
    return `packages/p${pkg}/src/module-${String(i % perPackage).padStart(3, '0')}.ts`;
  });
  const newFile = (path: string, i: number) => [
    `// ${path}`,
    `export function run${i}(input: number): number {`,
    ...Array.from({ length: 30 + Math.floor(next() * 40) }, line),
    '  return input;',
    '}',
  ];
  const contents = paths.map(newFile);
  const between = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const file = (i: number) => `M 100644 inline ${paths[i]}\n${data(`${(contents[i] ?? []).join('\n')}\n`)}`;
  const epoch = Date.UTC(2022, 0, 1) / 1000;
  const header = (n: number, message: string) =>
    `commit refs/heads/main\nauthor Dev ${n % 7} <dev${n % 7}@example.com> ${epoch + n * 3600} +0000\n` +
    `committer Dev ${n % 7} <dev${n % 7}@example.com> ${epoch + n * 3600} +0000\n${data(message)}`;

  let first = header(0, 'Initial import');
  for (let i = 0; i < spec.files; i++) first += file(i);
  await write(first);
  for (let n = 1; n < spec.commits; n++) {
    const touched = new Set<number>();
    const count = between(1, 4);
    while (touched.size < count) touched.add(Math.floor(next() * paths.length));
    if (n % 25 === 0) {
      const pkg = String(n % spec.packages).padStart(2, '0');
      paths.push(`packages/p${pkg}/src/feature-${n}.ts`);
      contents.push(newFile(paths.at(-1) ?? '', paths.length));
      touched.add(paths.length - 1);
    }
    let chunk = header(n, `Tidy ${[...touched].map((i) => paths[i]?.split('/').at(-1)).join(', ')} (#${n})`);
    for (const i of touched) {
      const lines = contents[i] ?? [];
      for (let hunk = between(1, 2); hunk > 0; hunk--) {
        const size = between(3, 12);
        const at = between(2, Math.max(2, lines.length - size - 2));
        lines.splice(at, size, ...Array.from({ length: size }, line));
      }
      if (next() < 0.3) lines.splice(lines.length - 2, 0, ...Array.from({ length: between(5, 15) }, line));
      chunk += file(i);
    }
    await write(chunk);
  }
  await write('done\n');
  child.stdin.end();
  const code = await exited;
  if (code !== 0) throw new Error(`git fast-import failed (${code}): ${stderr}`);
  const bytes = contents.reduce((total, lines) => total + Buffer.byteLength(`${lines.join('\n')}\n`), 0);
  return { files: paths.length, bytes };
}
