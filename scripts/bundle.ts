/**
 * Bundles what ships: the three Lambda handlers (as CDK builds them: esbuild, minified, ESM,
 * source maps) and the agent container's program, into dist/. `npm run build` calls it after the
 * type check; the benchmark reads the webhook bundle's size from here.
 */
import { build, type BuildOptions } from 'esbuild';
import { stat } from 'node:fs/promises';

export const ENTRIES = {
  webhook: 'functions/webhook/handler.ts',
  dispatch: 'functions/dispatch/handler.ts',
  'task-events': 'functions/task-events/handler.ts',
  'agent-task': 'agent-task/main.ts',
} as const;

export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
};

export async function bundle(name: keyof typeof ENTRIES, outdir = 'dist'): Promise<{ file: string; bytes: number }> {
  const file = `${outdir}/${name}/${name === 'agent-task' ? 'main' : 'index'}.mjs`;
  await build({ ...BUNDLE_OPTIONS, entryPoints: [ENTRIES[name]], outfile: file });
  return { file, bytes: (await stat(file)).size };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const name of Object.keys(ENTRIES) as Array<keyof typeof ENTRIES>) {
    const { file, bytes } = await bundle(name);
    console.log(`${file}  ${(bytes / 1024).toFixed(0)} KiB`);
  }
}
