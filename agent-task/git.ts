/**
 * Running git as the supervisor, only ever in its own repository (own-repository.ts), with
 * settings that no repository config can undo: no system or global config, hooks off, no
 * fsmonitor, no file:// transport. The token, when a command needs it, is given to that one command
 * as an HTTP header through the environment, which the tools cannot read. Git in the agent's
 * checkout runs as the tools, in their sandbox (agent-checkout.ts), never through here.
 */
import { execFile } from 'node:child_process';

export interface GitResult {
  stdout: string;
  stderr: string;
}

export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly args: string[],
    readonly stderr: string,
    readonly code: number | null,
  ) {
    super(`git ${args[0] ?? ''} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** Settings every command of ours gets, whatever the repository's config says. */
const ALWAYS: Array<[string, string]> = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['protocol.file.allow', 'never'],
  ['advice.detachedHead', 'false'],
  ['init.defaultBranch', 'main'],
];

export function gitConfigEnv(settings: Array<[string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(settings.length) };
  settings.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

export interface RunGitOptions {
  cwd: string;
  settings?: Array<[string, string]>;
  env?: Record<string, string>;
  timeoutMs?: number;
  input?: string;
}

export function runGit(args: string[], options: RunGitOptions): Promise<GitResult> {
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    LANG: 'C.UTF-8',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    ...options.env,
    ...gitConfigEnv([...ALWAYS, ...(options.settings ?? [])]),
  };
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env,
        timeout: options.timeoutMs ?? 10 * 60 * 1000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new GitError(
              args,
              String(stderr || error.message),
              typeof error.code === 'number' ? error.code : null,
            ),
          );
        else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
