/** The `nightshift` command as a user runs it: `node bin/nightshift.js …` in a child process. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../bin/nightshift.js');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs with this process's environment less the store's variables, plus `env`; or, `clean`, with
 * only what a user's shell would hold (PATH, HOME, USER) plus `env`.
 */
export function runNightshift(
  args: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  options: { clean?: boolean } = {},
): Promise<CommandResult> {
  const base: Record<string, string | undefined> = options.clean
    ? { PATH: process.env.PATH, HOME: process.env.HOME }
    : { ...process.env };
  for (const name of ['DYNAMODB_ENDPOINT', 'TABLE_NAME', 'NIGHTSHIFT_DATA_DIR']) delete base[name];
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...base, USER: 'tester', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
