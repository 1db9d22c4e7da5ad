/**
 * Runner on a workstation: the agent-task program as a child process per task, with its own
 * temporary workspace. The child's exit is this runner's "task stopped" event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Runner } from '../../core/ports.js';
import type { Task } from '../../core/task.js';

export const AGENT_TASK_ENTRY = fileURLToPath(new URL('../../agent-task/main.ts', import.meta.url));

export interface LocalRunnerOptions {
  /** The environment the agent-task process gets: store settings and the app's credentials. */
  env: NodeJS.ProcessEnv;
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
    const [file, ...args] = this.options.command ?? [process.execPath, '--import', 'tsx', AGENT_TASK_ENTRY];
    if (!file) throw new Error('LocalRunner: empty command');
    const child = spawn(file, args, {
      env: { ...this.options.env, TASK_ID: task.id },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The child claims the task as `local:<its pid>` too (agent-task/main.ts), so a stop event
    // names the task's holder.
    const runnerId = `local:${child.pid}`;
    const log = this.options.log.child({ taskId: task.id, pid: child.pid });
    child.stdout?.on('data', (chunk: Buffer) => log.debug(chunk.toString().trimEnd()));
    child.stderr?.on('data', (chunk: Buffer) => log.info(chunk.toString().trimEnd()));
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
