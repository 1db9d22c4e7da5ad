/**
 * Runner on a workstation: the agent-task program as a child process per task, with its own
 * temporary workspace. The child's exit is this runner's "task stopped" event.
 *
 * The child holds no App private key and no webhook secret: its environment is an allow-list, and
 * it gets installation tokens over an IPC channel that only it holds, for the task it was started
 * for (the runner knows which), minted here by `tokens`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { LiveRunner, Runner } from '../../core/ports.js';
import { redactSecrets } from '../../core/sanitize.js';
import type { TokenAnswer, TokenIpcAnswer, TokenIpcRequest } from '../../core/task-token.js';
import type { Task } from '../../core/task.js';
import { ensureAgentBundle } from './agent-bundle.js';
import { relayChildLog } from './child-log.js';

/**
 * tsx's loader by absolute URL: `--import tsx` would be looked up from the child's working folder,
 * so `npm start` run from elsewhere could not start a task. (createRequire rather than
 * import.meta.resolve, which vitest's transform does not provide; tsx exports one entry.)
 */
const tsxLoader = () => pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export const AGENT_TASK_ENTRY = fileURLToPath(new URL('../../agent-task/main.ts', import.meta.url));
/** The agent-task program's clean-up of what dead task processes left (their folders, their uids). */
export const LEFTOVERS_ENTRY = fileURLToPath(new URL('../../agent-task/clean-leftovers.ts', import.meta.url));

/** How long a child has to end its task and clean up after SIGTERM, before SIGKILL. */
const KILL_AFTER_MS = 15_000;

/** Variables the agent process may have, by name or by prefix; nothing else is passed. */
const AGENT_ENV_NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'TZ',
  'TMPDIR',
  'TERM',
  'NODE_EXTRA_CA_CERTS',
  'NODE_OPTIONS',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'GITHUB_API_URL',
  'DYNAMODB_ENDPOINT',
  'TABLE_NAME',
  'LOG_LEVEL',
]);
const AGENT_ENV_PREFIXES = ['LC_', 'ANTHROPIC_', 'AWS_', 'NIGHTSHIFT_'];
/** Never passed, whatever the lists say: the App's credentials stay with the control plane. */
const NEVER_PASSED = /^(PRIVATE_KEY|PRIVATE_KEY_PATH|WEBHOOK_SECRET|APP_ID|NODE_CHANNEL_FD)$/;

/** The agent process's environment: the allow-listed part of `env`. */
export function agentProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const picked: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NEVER_PASSED.test(name)) continue;
    if (AGENT_ENV_NAMES.has(name) || AGENT_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      picked[name] = value;
    }
  }
  return picked;
}

export interface LocalRunnerOptions {
  /**
   * Where the agent-task process's environment comes from (store settings, the model API): only
   * the allow-listed variables are passed (`agentProcessEnv`), never the App's credentials.
   */
  env: NodeJS.ProcessEnv;
  /**
   * Mint an installation token for the task a child was started for, when that child asks on its
   * channel; the caller checks the task is still live in the store.
   */
  tokens(task: Task): Promise<TokenAnswer>;
  log: Logger;
  /**
   * Called when a child exits, with the reason in a runner's words ("its process exited with
   * code 1") and the last lines it wrote to stderr, redacted; drain waits for what it returns.
   */
  onExit(taskId: string, stop: RunnerExit, runnerId: string): Promise<void> | void;
  /**
   * Defaults to this Node running agent-task/main.ts bundled (agent-bundle.ts), built when the
   * runner is made; with tsx when the bundle cannot be built.
   */
  command?: string[];
}

export interface RunnerExit {
  reason: string;
  output?: string;
}

/** How much of a child's stderr is kept for its exit report. */
const STDERR_TAIL_CHARS = 4000;
/** The child's variables whose values are secrets, to redact from what it wrote. */
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL|NONCE|^NIGHTSHIFT_MCP_/i;

/** The last lines of `text` within `max` characters, starting at a line. */
export function tail(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(-max);
  const newline = cut.indexOf('\n');
  return newline >= 0 && newline < cut.length - 1 ? cut.slice(newline + 1) : cut;
}

export class LocalRunner implements Runner {
  private readonly children = new Map<string, ChildProcess>();
  private readonly started = new Map<string, LiveRunner>();
  private readonly exitHandlers = new Set<Promise<void>>();

  /** The agent's command line, once the bundle is built (or known not to build). */
  private readonly program: Promise<AgentProgram>;

  constructor(private readonly options: LocalRunnerOptions) {
    this.program = options.command
      ? Promise.resolve({ command: options.command, env: {} })
      : agentProgram(options.log);
  }

  async start(task: Task): Promise<string> {
    const program = await this.program;
    const [file, ...args] = program.command;
    if (!file) throw new Error('LocalRunner: empty command');
    const env = { ...agentProcessEnv(this.options.env), ...program.env, TASK_ID: task.id };
    const child = spawn(file, args, {
      env,
      // fd 3 is the token channel: Node marks it close-on-exec in the child and removes
      // NODE_CHANNEL_FD from its environment, so the agent's tools never inherit it.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    // The child claims the task as `local:<its pid>` too (agent-task/main.ts), so a stop event
    // names the task's holder.
    const runnerId = `local:${child.pid}`;
    const log = this.options.log.child({ taskId: task.id, pid: child.pid });
    let stderr = '';
    if (child.stdout) relayChildLog(child.stdout, log, 'debug');
    if (child.stderr) relayChildLog(child.stderr, log, 'warn');
    // The last of what it wrote to stderr is the reason when it dies before it can say why.
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = tail(stderr + chunk.toString(), STDERR_TAIL_CHARS * 2);
    });
    child.on('message', (message: unknown) => this.answerToken(child, task, message, log));
    this.children.set(runnerId, child);
    this.started.set(runnerId, { runnerId, startedAt: new Date(), taskId: task.id });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const secrets = Object.entries(env)
      .filter(([name, value]) => SECRET_NAME.test(name) && value)
      .map(([, value]) => value as string);
    // The stderr pipe may still hold its last lines at 'exit': wait a moment for 'close' (never
    // longer, as something the child left behind could keep the pipe open).
    const closed = new Promise((resolve) => {
      child.once('close', resolve);
      child.once('exit', () => setTimeout(resolve, 1000).unref());
    });
    child.once('exit', (code, signal) => {
      this.children.delete(runnerId);
      this.started.delete(runnerId);
      const reason = signal ? `its process was killed by ${signal}` : `its process exited with code ${code}`;
      // A child that did not end normally may not have removed its folder and given back its uid.
      const cleaned = signal || code !== 0 ? this.cleanLeftovers(child.pid) : Promise.resolve();
      const handled = Promise.all([closed, cleaned])
        .then(() => {
          const output = redactSecrets(tail(stderr, STDERR_TAIL_CHARS), secrets).trim();
          const exit: RunnerExit = { reason, ...(output ? { output } : {}) };
          return this.options.onExit(task.id, exit, runnerId);
        })
        .catch((error: unknown) => log.error({ err: error }, 'exit handler failed'))
        .finally(() => this.exitHandlers.delete(handled));
      this.exitHandlers.add(handled);
    });
    return runnerId;
  }

  /** A token request from `child`: always for the task it was started for, whatever it says. */
  private answerToken(child: ChildProcess, task: Task, message: unknown, log: Logger): void {
    const request = message as Partial<TokenIpcRequest> | null;
    if (request?.type !== 'token' || typeof request.id !== 'number') return;
    const id = request.id;
    void this.options
      .tokens(task)
      .catch((error: unknown): TokenAnswer => {
        log.error({ err: error }, 'token request failed');
        return { ok: false, code: 'failed', message: 'the local runner could not mint a token' };
      })
      .then((answer) => {
        if (!child.connected) return;
        const reply: TokenIpcAnswer = { type: 'token', id, answer };
        child.send(reply, (error) => {
          if (error) log.warn({ err: error }, 'could not answer a token request');
        });
      });
  }

  /** SIGTERM: the child ends its task and cleans up; SIGKILL if it has not exited in time. */
  async stop(runnerId: string): Promise<void> {
    const child = this.children.get(runnerId);
    if (child) terminate(child);
  }

  /**
   * Remove what dead task processes left (all of them, or `pid`'s): their task folders, as their
   * tools (agent-task/leftovers.ts), and their uid locks. Run as a program of the agent task, with
   * a child's environment; never fails the caller.
   */
  async cleanLeftovers(pid?: number): Promise<void> {
    const args = ['--import', tsxLoader(), LEFTOVERS_ENTRY, ...(pid ? ['--pid', String(pid)] : [])];
    const child = spawn(process.execPath, args, {
      env: agentProcessEnv(this.options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = this.options.log.child({ pid: child.pid });
    if (child.stdout) relayChildLog(child.stdout, log, 'debug');
    if (child.stderr) relayChildLog(child.stderr, log, 'warn');
    await new Promise<void>((resolve) => {
      child.once('error', (error) => {
        log.warn({ err: error }, 'could not start the clean-up of leftovers');
        resolve();
      });
      child.once('close', () => resolve());
    });
  }

  /** The children alive now, with when each started. */
  async listLive(): Promise<LiveRunner[]> {
    return [...this.started.values()];
  }

  get running(): number {
    return this.children.size;
  }

  /** Wait up to `graceMs` for running tasks, then kill what remains; resolves when all exited. */
  async drain(graceMs: number): Promise<void> {
    const exits = [...this.children.values()].map((c) => new Promise((r) => c.once('exit', r)));
    const timer = Number.isFinite(graceMs)
      ? setTimeout(() => this.children.forEach(terminate), graceMs)
      : undefined;
    await Promise.all(exits);
    clearTimeout(timer);
    await Promise.all([...this.exitHandlers]);
  }
}

interface AgentProgram {
  command: string[];
  /** Variables the program's Node reads, beside the allow-listed environment. */
  env: Record<string, string>;
}

/**
 * Node running the bundled agent, with V8's compiled code kept beside it (Node 22 reads
 * NODE_COMPILE_CACHE; the tools never see it, their environment being an allow-list); with tsx
 * (by its own address: a bare `--import tsx` is looked up from the working folder, which need not
 * be this project's) when esbuild cannot bundle it. Source maps are written beside the bundle:
 * NODE_OPTIONS=--enable-source-maps maps a stack trace to the source, at some cost per start.
 */
async function agentProgram(log: Logger): Promise<AgentProgram> {
  try {
    const bundle = await ensureAgentBundle();
    return {
      command: [process.execPath, bundle],
      env: { NODE_COMPILE_CACHE: join(dirname(bundle), 'compile-cache') },
    };
  } catch (error) {
    log.warn({ err: error }, 'could not bundle the agent program; tasks start it with tsx (slower)');
    return { command: [process.execPath, '--import', tsxLoader(), AGENT_TASK_ENTRY], env: {} };
  }
}

function terminate(child: ChildProcess): void {
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
  kill.unref();
  child.once('exit', () => clearTimeout(kill));
}
