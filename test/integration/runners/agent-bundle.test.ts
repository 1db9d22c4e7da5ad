/**
 * The local runner's bundle of the agent program: built once, reused while its inputs are
 * unchanged, built again when one changes, and a working program.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureAgentBundle } from '../../../functions/runners/agent-bundle.js';

const run = promisify(execFile);

describe('the agent bundle for the local runner', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is built once, reused while its inputs are unchanged, and rebuilt when one changes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-bundle-'));
    const outfile = join(dir, 'main.mjs');
    await ensureAgentBundle(outfile);
    const built = (await stat(outfile)).mtimeMs;
    const manifestPath = `${outfile}.inputs.json`;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      inputs: Record<string, { size: number; mtimeMs: number }>;
    };
    expect(Object.keys(manifest.inputs)).toContain('agent-task/main.ts');

    await ensureAgentBundle(outfile);
    expect((await stat(outfile)).mtimeMs).toBe(built);

    // As if agent-task/run-task.ts had been edited since the build.
    manifest.inputs['agent-task/run-task.ts']!.mtimeMs -= 1000;
    await writeFile(manifestPath, JSON.stringify(manifest));
    await ensureAgentBundle(outfile);
    expect((await stat(outfile)).mtimeMs).toBeGreaterThan(built);

    // The program runs: without a task it says what is missing, in the agent's own words.
    const failed = await run(process.execPath, [outfile], { env: { PATH: process.env.PATH } }).catch(
      (error: { stderr: string; code: number }) => error,
    );
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('TASK_ID is not set') });
  }, 60_000);
});
