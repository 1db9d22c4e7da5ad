/**
 * Each measurement runs in a process of its own (forked through tsx), so that one benchmark's
 * heap, JIT state and open sockets never colour the next one's figures. The worker hands its
 * result back over the IPC channel; its progress goes to stderr.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface ResultMessage {
  type: 'result';
  data: unknown;
}

function isResult(message: unknown): message is ResultMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'result';
}

/**
 * The AWS SDK warns once per process that its 2027 releases will need Node 22; Lambda runs
 * Node 22, so the warning (and the time it takes to print) is not part of what is measured.
 */
export const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } as const;

export interface WorkerOptions {
  args?: string[];
  /** Extra node flags, e.g. `--expose-gc`. */
  nodeFlags?: string[];
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/** Runs `file` (relative to bench/) in a fresh node process and resolves with what it reported. */
export function runWorker<T>(file: string, options: WorkerOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(`${BENCH_DIR}${file}`, options.args ?? [], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx', ...(options.nodeFlags ?? [])],
      env: { ...process.env, ...QUIET, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: { data: unknown } | undefined;
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`${file} did not finish within ${options.timeoutMs / 1000} s`));
    }, options.timeoutMs);
    child.on('message', (message) => {
      if (isResult(message)) result = { data: message.data };
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result.data as T);
      else reject(new Error(`${file} exited (${signal ?? code}) without a result`));
    });
  });
}

/** In a worker: hand the result to the parent (or print it when run on its own), then exit. */
export function reportResult(data: unknown): void {
  if (process.send) {
    process.send({ type: 'result', data }, () => process.exit(0));
  } else {
    console.log(JSON.stringify(data, null, 2));
    process.exit(0);
  }
}

/** Runs a worker's main function; a failure is printed and ends the process with code 1. */
export function workerMain(main: () => Promise<unknown>): void {
  main().then(reportResult, (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

export function progress(message: string): void {
  process.stderr.write(`  [bench] ${message}\n`);
}
