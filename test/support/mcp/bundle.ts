/**
 * The stdio test server as one self-contained file (its SDK and zod inlined), to commit into a
 * fake repository: the tools' sandbox cannot see Nightshift's own folder or its node_modules, so
 * a server a repository runs must come with the repository (or its setup), as in real use.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export async function bundledStdioServer(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./stdio-main.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
