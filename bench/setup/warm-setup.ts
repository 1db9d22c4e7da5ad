/**
 * Warm setup: a repository whose `npm ci` installs a real dependency tree (a few hundred packages
 * from the npm registry; this section needs the network), set up by two tasks one after the
 * other. Each task is what the agent task does before the agent starts: our partial clone from
 * the fake GitHub, the tools' sandbox, the agent's checkout, then `runSetup` (restore the cache,
 * the setup commands in the sandboxed shell, pack and save the cache) against a local cache store.
 * The first task finds no entry; the second restores the first's: as `npm start` does, from the
 * spare the first task had unpacked ahead (its end waits for it), or, in the `-unpacked` variants,
 * by unpacking the archive itself.
 *
 * Variants (setups.ts): the guarded setup the README recommends (`npm ci` only on a miss, with
 * `cache.paths: [node_modules]`), in the system temp folder as the agent task does, with and
 * without a spare, and, as a diagnostic that separates this machine's slow file creation, in a
 * tmpfs; and a plain `npm ci`, which removes node_modules first and so gains only from the default
 * cache, npm's downloads. The project (package.json and its lockfile) is made once into a
 * git-ignored folder.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { AgentCheckout, toolsGitConfig } from '../../agent-task/agent-checkout.js';
import { runGit } from '../../agent-task/git.js';
import { OwnRepository } from '../../agent-task/own-repository.js';
import { createSandbox, disposeSandbox } from '../../agent-task/sandbox/sandbox.js';
import { LocalCacheStore } from '../../agent-task/setup/local-cache-store.js';
import { runSetup } from '../../agent-task/setup/run-setup.js';
import { takeSpare, type SetupCacheDeps } from '../../agent-task/setup/setup-cache.js';
import { SpareShelf } from '../../agent-task/setup/setup-spares.js';
import { makeTaskDir } from '../../agent-task/task-folder.js';
import { runCleanup } from '../../agent-task/task-stop.js';
import { BashSession } from '../../agent-task/tools/bash-session.js';
import { toolSandboxOptions, type WorkContext } from '../../agent-task/work-context.js';
import { parseConfig, type RepoConfig } from '../../core/config.js';
import { StandIns } from '../support/stand-ins-client.js';
import { round } from '../support/stats.js';
import { BENCH_DIR, progress, workerMain } from '../support/worker.js';
import {
  CACHE_PATHS,
  SETUPS,
  VARIANTS,
  variantName,
  type WarmSetupResult,
  type WarmSetupRun,
} from './setups.js';

const TMPFS = '/dev/shm';

const exec = promisify(execFile);

/** Test tooling, a linter and a web framework: about four hundred packages. */
const PACKAGE_JSON = {
  name: 'warm-setup-bench',
  version: '1.0.0',
  private: true,
  dependencies: { express: '^4.21.0' },
  devDependencies: { jest: '^29.7.0', eslint: '^8.57.0' },
};

/** package.json and package-lock.json, made once (network) into bench/results/. */
async function ensureProject(): Promise<{ dir: string; packages: number }> {
  const dir = join(BENCH_DIR, 'results', '.cache-npm-project.tmp');
  const lockfile = join(dir, 'package-lock.json');
  if (!existsSync(lockfile)) {
    progress('setup-cache: resolving the project’s lockfile from the npm registry (once)');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`);
    await exec('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir });
  }
  const lock = JSON.parse(await readFile(lockfile, 'utf8')) as { packages: Record<string, unknown> };
  return { dir, packages: Object.keys(lock.packages).length - 1 };
}

/** A bare repository holding the project, as the fake GitHub serves it. */
async function projectRepo(project: string, parent: string): Promise<string> {
  const work = join(parent, 'work');
  await mkdir(work);
  for (const name of ['package.json', 'package-lock.json']) {
    await writeFile(join(work, name), await readFile(join(project, name)));
  }
  await writeFile(join(work, '.gitignore'), 'node_modules/\n');
  const git = (args: string[], cwd = work) => runGit(args, { cwd });
  await git(['init', '--quiet', '--initial-branch=main']);
  await git(['add', '-A']);
  await git([
    '-c',
    'user.name=bench',
    '-c',
    'user.email=bench@example.com',
    'commit',
    '--quiet',
    '-m',
    'app',
  ]);
  const bare = join(parent, 'app.git');
  await runGit(['clone', '--quiet', '--bare', work, bare], {
    cwd: parent,
    settings: [['protocol.file.allow', 'always']],
  });
  return bare;
}

/** What runSetup needs of a task: its record, a store for its log lines, the cache; no GitHub. */
function benchContext(workRoot: string, cache: SetupCacheDeps, log: string[]): WorkContext {
  return {
    deps: {
      store: { appendLog: async (_id: string, _phase: string, message: string) => void log.push(message) },
      setupCache: cache,
      workRoot,
    },
    record: { task: { id: 'bench', installationId: 1, repository: 'acme/app', usage: {} } },
    progress: { phase: async () => undefined },
    log: pino({ level: 'silent' }),
    secrets: () => [],
    cleanup: [],
  } as unknown as WorkContext;
}

/** One task's workspace and setup; returns the setup's own time (restore, commands, save). */
async function oneTask(
  workRoot: string,
  cloneUrl: string,
  token: string,
  config: RepoConfig,
  cache: SetupCacheDeps,
): Promise<{ ms: number; log: string[] }> {
  const taskDir = await makeTaskDir(workRoot);
  const log: string[] = [];
  const ctx = benchContext(workRoot, cache, log);
  const spare = takeSpare(ctx);
  // Taking the spare (a chown and a rename) happens while the sandbox is made: counted as setup.
  let takeMs = 0;
  const take = spare.fill;
  const fill: typeof take = take
    ? async (dir, owner) => {
        const started = performance.now();
        await take(dir, owner);
        takeMs = performance.now() - started;
      }
    : undefined;
  const own = await OwnRepository.clone(
    { dir: join(taskDir, 'own.git'), cloneUrl, tokens: { token: async () => token } },
    'main',
  );
  const sandbox = await createSandbox({
    taskDir,
    readOnly: [own.dir],
    gitConfig: toolsGitConfig(own.dir),
    ...toolSandboxOptions(ctx.deps),
    ...(fill ? { fill } : {}),
  });
  const shell = new BashSession(sandbox, { defaultTimeoutMs: 10 * 60_000 });
  try {
    await AgentCheckout.clone(sandbox, own.dir, 'main');
    const baseSha = await own.tip('main');
    const input = {
      own,
      sandbox,
      taskDir,
      commit: baseSha,
      scope: 'main',
      defaultBranch: 'main',
      merged: false,
      ...(spare.taken ? { spare: spare.taken } : {}),
    };
    // What earlier work left for the disk to write (the first task's install and its removal) is
    // flushed first: a real second task comes minutes later, not while the disk still catches up.
    await exec('sync');
    const started = performance.now();
    const failures = await runSetup(ctx, shell, input, config);
    const ms = performance.now() - started + takeMs;
    if (failures.length) throw new Error(`setup failed: ${failures[0]!.tail}`);
    const check = await shell.run('test -f node_modules/jest/package.json && echo ready');
    if (!check.output.includes('ready')) throw new Error(`node_modules is incomplete: ${log.join('; ')}`);
    return { ms, log };
  } finally {
    // What the task's end waits for: the spare made for the next task, among others.
    const ending = performance.now();
    await runCleanup(ctx.cleanup);
    if (cache.spares)
      log.push(`the task's end waited for its spare: ${round((performance.now() - ending) / 1000, 2)} s`);
    await shell.close();
    await disposeSandbox(sandbox);
    await rm(taskDir, { recursive: true, force: true });
  }
}

async function main(): Promise<WarmSetupResult> {
  const project = await ensureProject();
  progress(`setup-cache: ${project.packages} packages`);
  const parent = await mkdtemp(join(tmpdir(), 'bench-warm-setup-'));
  const standIns = await StandIns.start();
  try {
    await standIns.github();
    const { cloneUrl } = await standIns.bareRepo('acme', 'app', await projectRepo(project.dir, parent));
    const token = await standIns.token('acme/app');
    const runs: WarmSetupRun[] = [];
    const archiveBytes: WarmSetupResult['archiveBytes'] = {};
    const ratio: WarmSetupResult['ratio'] = {};
    let codec = '';
    for (const variant of VARIANTS.filter((v) => v.where === 'disk' || existsSync(TMPFS))) {
      const name = variantName(variant);
      const paths = CACHE_PATHS[variant.setup];
      const parsed = parseConfig({ setup: [SETUPS[variant.setup]], ...(paths ? { cache: { paths } } : {}) });
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      const workRoot = await mkdtemp(join(variant.where === 'tmpfs' ? TMPFS : tmpdir(), 'bench-warm-'));
      await chmod(workRoot, 0o711);
      const cacheDir = join(parent, `cache-${name}`);
      const store = await LocalCacheStore.open(cacheDir, { maxTotalBytes: 10 * 2 ** 30, maxAgeDays: 1 });
      const spares = variant.spares ? SpareShelf.open(workRoot, store.dir, 4) : undefined;
      const cache: SetupCacheDeps = {
        store,
        maxBytes: 1024 * 2 ** 20,
        hidden: [store.dir],
        ...(spares ? { spares } : {}),
      };
      try {
        const ms: number[] = [];
        for (const task of ['first', 'second'] as const) {
          const run = await oneTask(workRoot, cloneUrl, token, parsed.config, cache);
          ms.push(run.ms);
          runs.push({ variant: name, task, ms: round(run.ms) });
          progress(
            `setup-cache: ${name}, ${task} task: ${round(run.ms / 1000, 2)} s (${run.log.join('; ')})`,
          );
        }
        ratio[name] = round(ms[1]! / ms[0]!, 3);
      } finally {
        await rm(workRoot, { recursive: true, force: true });
      }
      const [entry] = await readdir(cacheDir);
      if (entry) {
        archiveBytes[name] = (await stat(join(cacheDir, entry))).size;
        codec = entry.split('.').at(-1) ?? '';
      }
    }
    return { packages: project.packages, archiveBytes, runs, ratio, codec };
  } finally {
    await standIns.close();
    await rm(parent, { recursive: true, force: true });
  }
}

workerMain(main);
