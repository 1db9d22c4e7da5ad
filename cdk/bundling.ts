/**
 * How the code that runs on AWS is bundled: one esbuild configuration for the three Lambda
 * functions (through `NodejsFunction`) and the agent container (`bundleAgent`), run with the local
 * esbuild at synth, offline and without Docker.
 *
 * The AWS SDK v3 is bundled too (`externalModules: []`) rather than taken from the Lambda runtime:
 * the version that runs is then the one in package-lock.json that the tests ran against, not
 * whatever the runtime ships that month, and the container (which has no SDK of its own) gets the
 * same one. It costs about a megabyte per bundle, a few milliseconds of cold start.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type BuildOptions } from 'esbuild';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { BUNDLE_ALIASES, BUNDLE_BANNER } from '../functions/runners/agent-bundle.js';

/** The repository root: entries, package-lock.json and the Dockerfile are found from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const NODE_TARGET = 'node22';

/** The banner that gives CommonJS dependencies a `require`, and the modules replaced at bundle
 * time (see core/store/dynalite-stub.ts for why): the same for the local runner's bundle. */
const BANNER = BUNDLE_BANNER;
const ALIASES = BUNDLE_ALIASES;

/** `NodejsFunction` bundling: minified ESM for Node 22, source maps, the local esbuild only. */
export const lambdaBundling: BundlingOptions = {
  minify: true,
  sourceMap: true,
  // Stack traces need the mappings, not the sources: a smaller artifact, a faster cold start.
  sourcesContent: false,
  // Keep class and function names: errors are told apart by name in logs and code.
  keepNames: true,
  format: OutputFormat.ESM,
  target: NODE_TARGET,
  mainFields: ['module', 'main'],
  banner: BANNER,
  externalModules: [],
  esbuildArgs: { '--alias': Object.entries(ALIASES).map(([from, to]) => `${from}=${to}`) },
  forceDockerBundling: false,
};

/** The same settings for the agent container's program. */
export const agentBuildOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  mainFields: ['module', 'main'],
  banner: { js: BANNER },
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  keepNames: true,
  alias: ALIASES,
  logLevel: 'warning',
};

/** Bundle `agent-task/main.ts` into `outfile` (and `outfile.map`). */
export function bundleAgent(outfile: string): void {
  mkdirSync(dirname(outfile), { recursive: true });
  buildSync({
    ...agentBuildOptions,
    entryPoints: [join(PROJECT_ROOT, 'agent-task', 'main.ts')],
    outfile,
    absWorkingDir: PROJECT_ROOT,
  });
}

/** What the image gets when a test skips bundling (`aws:cdk:bundling-stacks`). */
export function writePlaceholderAgent(outfile: string): void {
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, "throw new Error('bundling was skipped for this synth');\n");
}
