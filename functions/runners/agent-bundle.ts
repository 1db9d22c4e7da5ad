/**
 * The agent-task program as one file, for the local runner: a fresh Node with tsx compiles every
 * module of the agent (and its loader hooks see every import) at each task's start, about a second
 * and a half on a small machine; the same program bundled by esbuild loads in about a tenth of a
 * second. The bundle is built from the source at `npm start` and kept in dist/local-agent/ while
 * its inputs are unchanged (their sizes and modification times, listed by esbuild's metafile).
 *
 * The bundle's settings are the container's (cdk/bundling.ts takes the banner and aliases from
 * here), without minifying: a developer reads its stack traces.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Metafile } from 'esbuild';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const AGENT_SOURCE = join(PROJECT_ROOT, 'agent-task', 'main.ts');
/** Two folders down from the root, as /app/dist/agent-task/main.mjs in the image: the sandbox
 * hides the folder two levels above the program (agent-task/sandbox/sandbox.ts). */
export const LOCAL_AGENT_BUNDLE = join(PROJECT_ROOT, 'dist', 'local-agent', 'main.mjs');
const MANIFEST = `${LOCAL_AGENT_BUNDLE}.inputs.json`;

/** ESM output still meets CommonJS dependencies that call `require`: give them one, by a name
 * that no bundled module declares at the top level. */
export const BUNDLE_BANNER =
  "import { createRequire as __nightshiftRequire } from 'node:module'; const require = __nightshiftRequire(import.meta.url);";

/** Modules replaced at bundle time: the embedded store is for `npm start`'s server only. */
export const BUNDLE_ALIASES: Record<string, string> = {
  dynalite: join(PROJECT_ROOT, 'core', 'store', 'dynalite-stub.ts'),
};

const OPTIONS: BuildOptions = {
  entryPoints: [AGENT_SOURCE],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: BUNDLE_BANNER },
  alias: BUNDLE_ALIASES,
  sourcemap: 'linked',
  sourcesContent: false,
  keepNames: true,
  metafile: true,
  write: false,
  logLevel: 'silent',
  absWorkingDir: PROJECT_ROOT,
};

interface Manifest {
  esbuild: string;
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

/**
 * The path of an up-to-date bundle of the agent-task program, built when missing or stale.
 * Concurrent callers (test files, two servers) may both build: each file is written whole under a
 * temporary name and renamed, and the builds are the same, so any interleaving leaves a good one.
 */
export async function ensureAgentBundle(outfile = LOCAL_AGENT_BUNDLE): Promise<string> {
  const esbuild = await import('esbuild');
  const manifestPath = outfile === LOCAL_AGENT_BUNDLE ? MANIFEST : `${outfile}.inputs.json`;
  if (await isFresh(manifestPath, esbuild.version)) return outfile;
  const result = await esbuild.build({ ...OPTIONS, outfile });
  await mkdir(dirname(outfile), { recursive: true });
  // The map first, the program after it: a program on disk always has its map.
  const files = [...(result.outputFiles ?? [])].sort((a, b) => b.path.localeCompare(a.path));
  for (const file of files) await replace(file.path, file.contents);
  await replace(manifestPath, JSON.stringify(await describeInputs(result.metafile, esbuild.version)));
  return outfile;
}

async function isFresh(manifestPath: string, version: string): Promise<boolean> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  } catch {
    return false;
  }
  if (manifest.esbuild !== version) return false;
  const checks = Object.entries(manifest.inputs).map(async ([path, seen]) => {
    const now = await stat(join(PROJECT_ROOT, path)).catch(() => undefined);
    return now?.size === seen.size && now.mtimeMs === seen.mtimeMs;
  });
  return (await Promise.all(checks)).every(Boolean);
}

async function describeInputs(metafile: Metafile | undefined, version: string): Promise<Manifest> {
  const inputs: Manifest['inputs'] = {};
  for (const path of Object.keys(metafile?.inputs ?? {})) {
    const found = await stat(join(PROJECT_ROOT, path)).catch(() => undefined);
    if (found) inputs[path] = { size: found.size, mtimeMs: found.mtimeMs };
  }
  return { esbuild: version, inputs };
}

async function replace(path: string, contents: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, path);
}
