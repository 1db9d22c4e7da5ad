/**
 * The benchmark's handle on the stand-ins process (stand-ins.ts): start it, call its methods,
 * close it. Requests and answers are plain JSON over the IPC channel.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { ReplyStep, ReportedUsage } from '../../test/support/scripted-model/index.js';
import { BENCH_DIR, PROJECT_ROOT } from './worker.js';

export interface StandInRequest {
  id: number;
  method: string;
  params?: Record<string, unknown>;
}

export interface StandInResponse {
  id: number;
  result?: unknown;
  error?: string;
}

export interface GitHubInfo {
  url: string;
  appId: number;
  privateKey: string;
  botLogin: string;
}

export interface CalcSeed {
  repo: string;
  prNumber: number;
  issues: number[];
}

export interface ModelReport {
  usages: ReportedUsage[];
  errors: string[];
  requests: number;
  remaining: number;
}

/** GitHub calls and model requests in order, with when each was answered (epoch ms). */
export interface Timeline {
  calls: {
    method: string;
    operation: string;
    status: number;
    /** A check run's state as the call wrote it. */
    checkStatus?: string;
    conclusion?: string;
    at: number;
  }[];
  requests: { receivedAt: number; answeredAt?: number }[];
  /** Counts so far, to ask for what comes next. */
  totals: { calls: number; requests: number };
}

export class StandIns {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const response = raw as StandInResponse;
      const waiter = this.pending.get(response.id);
      if (!waiter) return;
      this.pending.delete(response.id);
      if (response.error !== undefined) waiter.reject(new Error(`stand-ins: ${response.error}`));
      else waiter.resolve(response.result);
    });
    child.on('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('stand-ins process exited'));
      this.pending.clear();
    });
  }

  static async start(): Promise<StandIns> {
    const child = fork(`${BENCH_DIR}support/stand-ins.ts`, [], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`stand-ins exited (${code}) before it was ready`)));
    });
    return new StandIns(child);
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, method, params } satisfies StandInRequest);
    });
  }

  dynamo(): Promise<{ endpoint: string }> {
    return this.call('dynamo');
  }

  github(): Promise<GitHubInfo> {
    return this.call('github');
  }

  seedCalc(issues: number): Promise<CalcSeed> {
    return this.call('seedCalc', { issues });
  }

  payload(
    repo: string,
    event: string,
    action: string | undefined,
    overrides: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    return this.call('payload', { repo, event, action, overrides });
  }

  token(repo: string): Promise<string> {
    return this.call('token', { repo });
  }

  bareRepo(owner: string, name: string, gitDir: string): Promise<{ cloneUrl: string }> {
    return this.call('bareRepo', { owner, name, gitDir });
  }

  calls(): Promise<Record<string, number>> {
    return this.call('calls');
  }

  addComment(repo: string, number: number, body: string, user: string): Promise<{ id: number }> {
    return this.call('addComment', { repo, number, body, user });
  }

  timeline(since: { calls: number; requests: number }): Promise<Timeline> {
    return this.call('timeline', since);
  }

  modelPush(script: ReplyStep[]): Promise<{ remaining: number }> {
    return this.call('modelPush', { script });
  }

  model(script: ReplyStep[]): Promise<{ url: string }> {
    return this.call('model', { script });
  }

  modelReport(): Promise<ModelReport> {
    return this.call('modelReport');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ id: 0, method: 'close' } satisfies StandInRequest);
    await exited;
  }
}
