/**
 * Bundles what ships into dist/, with the same esbuild settings CDK uses (cdk/bundling.ts): the
 * Lambda handlers and the agent container's program. `npm run build` calls it after the
 * type check; the benchmark measures the webhook bundle built here.
 */
import { build } from 'esbuild';
import { stat } from 'node:fs/promises';
import { agentBuildOptions } from '../cdk/bundling.js';

export const ENTRIES = {
  webhook: 'functions/webhook/handler.ts',
  dispatch: 'functions/dispatch/handler.ts',
  'task-events': 'functions/task-events/handler.ts',
  sweeper: 'functions/sweeper/handler.ts',
  token: 'functions/token/handler.ts',
  dashboard: 'functions/dashboard/handler.ts',
  'agent-task': 'agent-task/main.ts',
} as const;

export async function bundle(
  name: keyof typeof ENTRIES,
  outdir = 'dist',
): Promise<{ file: string; bytes: number }> {
  const file = `${outdir}/${name}/${name === 'agent-task' ? 'main' : 'index'}.mjs`;
  await build({ ...agentBuildOptions, entryPoints: [ENTRIES[name]], outfile: file });
  return { file, bytes: (await stat(file)).size };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const name of Object.keys(ENTRIES) as Array<keyof typeof ENTRIES>) {
    const { file, bytes } = await bundle(name);
    console.log(`${file}  ${(bytes / 1024).toFixed(0)} KiB`);
  }
}
