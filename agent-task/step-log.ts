/**
 * What the server's log says about a task at `info`: one line per step as it ends (clone, each
 * setup command, each agent run, each test run, the pull request, the push, the end), saying what
 * happened and how long it took, in words and as `ms`. The task's logger carries its id and
 * repository. What the agent itself does turn by turn is `debug`.
 */
import type { Logger } from 'pino';
import { formatCost, formatTokens, type Outcome } from '../core/report.js';
import { formatDuration } from '../core/status/format-duration.js';
import { taskDurationMs, totalTokens } from '../core/status/task-row.js';
import { describeTarget } from '../core/target-names.js';
import type { Task } from '../core/task.js';
import type { AgentResult } from './agent/port.js';

/** `420 ms`, `12.3 s`, then `2m 05s`: short steps need more precision than a task does. */
export function stepDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}

/** Time a step from now; the returned function logs its line when the step ends. */
export function startStep(
  log: Logger,
  step: string,
  now: () => number = Date.now,
): (message: string, fields?: Record<string, unknown>) => void {
  const started = now();
  return (message, fields = {}) => {
    const ms = now() - started;
    log.info({ step, ...fields, ms }, `${message} (${stepDuration(ms)})`);
  };
}

/** The task's first line: what it works on, for whom, and how long it waited to start. */
export function logTaskStart(log: Logger, task: Task): void {
  const target = describeTarget(task.target);
  const waitedMs = Date.parse(task.startedAt ?? '') - Date.parse(task.createdAt);
  const waited = Number.isFinite(waitedMs) ? `, ${stepDuration(waitedMs)} after it was recorded` : '';
  log.info(
    { step: 'start', target, trigger: task.trigger.kind, engineer: task.engineer, waitedMs },
    `started on ${target} (${task.trigger.kind} by ${task.trigger.sender ?? task.engineer})${waited}`,
  );
}

/** One run of the agent (the first, or a round after failing tests). */
export function logAgentRun(done: ReturnType<typeof startStep>, run: AgentResult): void {
  const { turns, costUsd } = run.usage;
  const reason = run.reason ? ` (${run.reason})` : '';
  done(`agent ${run.outcome}${reason}: ${turns} turns so far, ${formatCost(costUsd)}`, {
    outcome: run.outcome,
    turns,
    costUsd,
  });
}

/** The task's last line: how it ended, what it cost, its pull request, and how long it took. */
export function logTaskEnd(log: Logger, task: Task, outcome: Outcome, now = new Date()): void {
  const pullRequest = outcome.pullRequestUrl ?? task.result?.pullRequestUrl;
  const tokens = totalTokens(task.usage);
  const ms = taskDurationMs(task, now);
  log.info(
    {
      step: 'end',
      status: task.status,
      conclusion: outcome.conclusion,
      costUsd: task.usage.costUsd,
      tokens,
      turns: task.usage.turns,
      ...(pullRequest ? { pullRequest } : {}),
      ms,
    },
    `ended ${task.status}: ${outcome.headline} · ${task.usage.turns} turns, ${formatTokens(tokens)} tokens, ` +
      `${formatCost(task.usage.costUsd)} · ${pullRequest ?? 'no pull request'} (${stepDuration(ms)} in all)`,
  );
}
