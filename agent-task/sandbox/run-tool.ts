/**
 * One short-lived tool process (git in the agent's checkout, a cleanup): started in the sandbox,
 * its output read as data, bounded. What it prints is the tools' word, never an instruction to us.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { sandboxCommand, type ToolSandbox } from './sandbox.js';

export interface RunToolOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  /** Fed to stdin instead of `input`: data of ours (an archive), streamed, never a path. */
  stdin?: Readable;
  timeoutMs?: number;
  /** Where stdout goes instead of memory (a file of the supervisor's own); capped at `maxBytes`. */
  stdout?: Writable;
  /** Bytes of stdout kept (or written to `stdout`); default 16 MiB. Past it the process is killed. */
  maxBytes?: number;
}

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
  bytes: number;
  /** The output passed `maxBytes`: the process was killed and what it said is incomplete. */
  overflow: boolean;
  timedOut: boolean;
}

export class ToolProcessError extends Error {
  override readonly name = 'ToolProcessError';
  constructor(
    readonly what: string,
    readonly run: ToolRun,
  ) {
    const why = run.timedOut
      ? 'timed out'
      : run.overflow
        ? 'printed more than allowed'
        : `failed (exit ${run.code})`;
    super(`${what} ${why}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

export function runTool(
  sandbox: ToolSandbox,
  argv: string[],
  options: RunToolOptions = {},
): Promise<ToolRun> {
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const { file, args, options: spawnOptions } = sandboxCommand(sandbox, argv, options.cwd);
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      ...spawnOptions,
      env: { ...spawnOptions.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    let overflow = false;
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(
      () => {
        timedOut = true;
        kill();
      },
      options.timeoutMs ?? 10 * 60_000,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      if (overflow) return;
      bytes += chunk.length;
      if (bytes > maxBytes) {
        overflow = true;
        kill();
        return;
      }
      if (options.stdout) options.stdout.write(chunk);
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 16_000) stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    let finished = false;
    const finish = (code: number | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      options.stdin?.destroy();
      const stdout = Buffer.concat(out).toString('utf8');
      const done = () => resolve({ code, stdout, stderr, bytes, overflow, timedOut });
      if (options.stdout) options.stdout.end(done);
      else done();
    };
    child.once('error', (error) => {
      stderr += error.message;
      finish(null);
    });
    child.once('close', (code) => finish(code));
    if (options.stdin) {
      // A reader that fails mid-way ends stdin early: the tool sees a truncated input and fails.
      options.stdin.once('error', (error) => {
        stderr += `\n${error.message}`;
        child.stdin.end();
      });
      options.stdin.pipe(child.stdin);
    } else child.stdin.end(options.input ?? '');
  });
}

/** `runTool`, throwing ToolProcessError unless it exited 0 within its limits. */
export async function runToolOrThrow(
  what: string,
  sandbox: ToolSandbox,
  argv: string[],
  options: RunToolOptions = {},
): Promise<ToolRun> {
  const run = await runTool(sandbox, argv, options);
  if (run.code !== 0 || run.overflow || run.timedOut) throw new ToolProcessError(what, run);
  return run;
}
