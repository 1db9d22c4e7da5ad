/**
 * `nightshift run`: one task, locally, through the same dispatch as a webhook's task:
 *
 *   createCliTask → startLocalDispatch → follow (live progress) → outcome
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDuration } from '../core/status/format-duration.js';
import { taskDurationMs } from '../core/status/task-row.js';
import { terminalSafe } from '../core/status/terminal-safe.js';
import { usageLine } from '../core/report.js';
import type { TaskStore } from '../core/store/task-store.js';
import { type Target, type Task, isTerminal, targetLabel } from '../core/task.js';
import type { RunDefaults } from '../functions/local/run-defaults.js';
import type { RunArgs } from './args.js';
import { follow } from './follow.js';
import type { CliIo } from './io.js';
import { createProgressDisplay } from './progress-display.js';
import { UsageError } from './usage-error.js';

/** The installation and the target's author, for a run not told them (run-defaults.ts). */
export type FindDefaults = (
  repository: string,
  target: Target,
  installationId?: number,
) => Promise<RunDefaults>;

export async function findRunDefaults(
  env: NodeJS.ProcessEnv,
  ...lookup: Parameters<FindDefaults>
): Promise<RunDefaults> {
  const { findRunDefaults: find, RunDefaultsError } = await import('../functions/local/run-defaults.js');
  try {
    return await find(env, ...lookup);
  } catch (error) {
    throw error instanceof RunDefaultsError ? new UsageError(error.message, 'run') : error;
  }
}

/**
 * Record the task: trigger kind `cli`, the instructions as its text, the engineer as the sender
 * (the one whose permission dispatch checks). What is not given is found: the GitHub App's
 * installation on the repository, and the person who opened the issue or pull request.
 */
export async function createCliTask(
  store: TaskStore,
  args: RunArgs,
  findDefaults: FindDefaults,
): Promise<Task> {
  let { installationId, engineer } = args;
  if (installationId === undefined || engineer === undefined) {
    const found = await findDefaults(args.repository, args.target, installationId);
    installationId ??= found.installationId;
    engineer ??= found.author;
  }
  if (!engineer) {
    throw new UsageError(
      `${targetLabel(args)} was not opened by a person: say who is responsible with --engineer LOGIN`,
      'run',
    );
  }
  return store.create({
    repository: args.repository,
    installationId,
    target: args.target,
    trigger: { kind: 'cli', text: args.instructions, sender: engineer },
    engineer,
    requester: engineer,
  });
}

/**
 * Dispatch the task in this process, as the local server does for a webhook's task (permission
 * gate, repository config, the target's lock, check run, a runner process). The store must be
 * reachable at DYNAMODB_ENDPOINT: runCli sets it to the store this command uses.
 */
export async function startLocalDispatch(taskId: string, logFile: string): Promise<void> {
  const { dispatchOnce } = await import('../functions/local/dispatch-once.js');
  await dispatchOnce(taskId, logFile);
}

/** Where `run` writes the log of its dispatch and agent (the terminal shows only the live line). */
export function runLogFile(taskId: string): string {
  return join(tmpdir(), `nightshift-run-${taskId}.log`);
}

const DISPATCH_SETTLE_MS = 5000;

async function settleWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export interface RunDeps {
  startDispatch: (taskId: string, logFile: string) => Promise<void>;
  findDefaults: FindDefaults;
  now: () => Date;
  /** Poll interval while following; default 1000 ms. */
  intervalMs?: number;
}

/** The outcome, for after the live line: status and duration, pull request, usage, error. */
export function outcomeText(task: Task, now: Date): string {
  const lines = [`Task ${task.id} ${task.status} after ${formatDuration(taskDurationMs(task, now))}.`];
  if (task.result?.pullRequestUrl) lines.push(`Pull request: ${terminalSafe(task.result.pullRequestUrl)}`);
  if (task.result?.commitSha) lines.push(`Commit: ${terminalSafe(task.result.commitSha)}`);
  lines.push(usageLine(task.usage));
  if (task.error) lines.push(`Error: ${terminalSafe(task.error)}`);
  return `${lines.join('\n')}\n`;
}

export async function runCommand(store: TaskStore, args: RunArgs, io: CliIo, deps: RunDeps): Promise<number> {
  const task = await createCliTask(store, args, deps.findDefaults);
  const logFile = runLogFile(task.id);
  io.stdout.write(
    `Task ${task.id}: ${targetLabel(task)} for @${task.engineer}. Ctrl-C cancels it; ` +
      `"nightshift show ${task.id}" shows its progress, ${logFile} the log.\n`,
  );

  const stopFollowing = new AbortController();
  let dispatchError: unknown;
  const dispatching = deps.startDispatch(task.id, logFile).catch((error: unknown) => {
    dispatchError = error;
    stopFollowing.abort();
  });

  let interrupts = 0;
  const display = createProgressDisplay(io.stdout, deps.now);
  const undoInterrupt = io.onInterrupt?.(() => {
    interrupts += 1;
    display.done();
    if (interrupts === 1) {
      io.stderr.write('Cancelling the task (Ctrl-C again to stop waiting)…\n');
      store.requestCancel(task.id).catch((error: unknown) => {
        io.stderr.write(`Could not cancel: ${error instanceof Error ? error.message : String(error)}\n`);
      });
    } else {
      stopFollowing.abort();
    }
  });

  let final: Task;
  try {
    final = await follow(store, task.id, {
      onUpdate: (update) => display.update(update),
      signal: stopFollowing.signal,
      ...(deps.intervalMs !== undefined ? { intervalMs: deps.intervalMs } : {}),
    });
  } finally {
    display.done();
    undoInterrupt?.();
  }

  if (dispatchError !== undefined) {
    const reason = dispatchError instanceof Error ? dispatchError.message : String(dispatchError);
    io.stderr.write(`Dispatch failed: ${terminalSafe(reason)}\n`);
    final = (await store.get(task.id).catch(() => undefined)) ?? final;
  }
  if (!isTerminal(final.status)) {
    io.stderr.write(
      `Stopped waiting: task ${final.id} is ${final.status}. "nightshift show ${final.id}" shows where it is.\n`,
    );
    return 1;
  }
  // The task has ended; give dispatch a moment to finish its own bookkeeping, but never hang on it.
  await settleWithin(dispatching, DISPATCH_SETTLE_MS);
  io.stdout.write(outcomeText(final, deps.now()));
  return final.status === 'succeeded' ? 0 : 1;
}
