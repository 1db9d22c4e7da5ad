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
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { Runner } from '../../core/ports.js';
import type { TokenAnswer, TokenIpcAnswer, TokenIpcRequest } from '../../core/task-token.js';
import type { Task } from '../../core/task.js';

export const AGENT_TASK_ENTRY = fileURLToPath(new URL('../../agent-task/main.ts', import.meta.url));
/**
 * tsx's loader, found from this file rather than the working folder (`npm start` may run from
 * another one); looked up only when a child starts, since the Lambda bundles carry this module.
 */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

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
  /** Called when a child exits; drain waits for what it returns. */
  onExit(taskId: string, reason: string, runnerId: string): Promise<void> | void;
  /** Defaults to this Node with tsx, running agent-task/main.ts. */
  command?: string[];
}

export class LocalRunner implements Runner {
  private readonly children = new Map<string, ChildProcess>();
  private readonly exitHandlers = new Set<Promise<void>>();

  constructor(private readonly options: LocalRunnerOptions) {}

  async start(task: Task): Promise<string> {
    const [file, ...args] = this.options.command ?? [
      process.execPath,
      '--import',
      tsxLoader(),
      AGENT_TASK_ENTRY,
    ];
    if (!file) throw new Error('LocalRunner: empty command');
    const child = spawn(file, args, {
      env: { ...agentProcessEnv(this.options.env), TASK_ID: task.id },
      // fd 3 is the token channel: Node marks it close-on-exec in the child and removes
      // NODE_CHANNEL_FD from its environment, so the agent's tools never inherit it.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    // The child claims the task as `local:<its pid>` too (agent-task/main.ts), so a stop event
    // names the task's holder.
    const runnerId = `local:${child.pid}`;
    const log = this.options.log.child({ taskId: task.id, pid: child.pid });
    child.stdout?.on('data', (chunk: Buffer) => log.debug(chunk.toString().trimEnd()));
    child.stderr?.on('data', (chunk: Buffer) => log.info(chunk.toString().trimEnd()));
    child.on('message', (message: unknown) => this.answerToken(child, task, message, log));
    this.children.set(runnerId, child);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.once('exit', (code, signal) => {
      this.children.delete(runnerId);
      const reason = signal ? `killed by ${signal}` : `exit code ${code}`;
      const handled = Promise.resolve()
        .then(() => this.options.onExit(task.id, reason, runnerId))
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

  async stop(runnerId: string): Promise<void> {
    this.children.get(runnerId)?.kill('SIGKILL');
  }

  get running(): number {
    return this.children.size;
  }

  /** Wait up to `graceMs` for running tasks, then kill what remains; resolves when all exited. */
  async drain(graceMs: number): Promise<void> {
    const exits = [...this.children.values()].map((c) => new Promise((r) => c.once('exit', r)));
    const timer = Number.isFinite(graceMs)
      ? setTimeout(() => this.children.forEach((c) => c.kill('SIGTERM')), graceMs)
      : undefined;
    await Promise.all(exits);
    clearTimeout(timer);
    await Promise.all([...this.exitHandlers]);
  }
}
