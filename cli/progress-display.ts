/**
 * Live progress of a followed task. On a terminal: one line, rewritten in place every update
 * (`\r` and clear-line), cut to the terminal's width. Otherwise (a pipe, a log file): a new line
 * only when something other than the elapsed time changed.
 */
import { formatCost, formatTokens } from '../core/report.js';
import { formatDuration } from '../core/status/format-duration.js';
import { statusLabel, taskDurationMs, totalTokens } from '../core/status/task-row.js';
import { terminalSafe } from '../core/status/terminal-safe.js';
import type { LogEntry } from '../core/store/task-store.js';
import type { Task } from '../core/task.js';
import type { FollowUpdate } from './follow.js';
import type { Output } from './io.js';

export interface ProgressParts {
  /** Everything but the elapsed time: what decides whether a plain line is printed. */
  state: string;
  elapsed: string;
  message: string;
}

function costLabel(cost: number | null): string {
  return cost === null ? 'cost unknown' : formatCost(cost);
}

export function progressParts(task: Task, log: readonly LogEntry[], now: Date): ProgressParts {
  const lastEntry = log.at(-1);
  const phase = lastEntry ? terminalSafe(lastEntry.phase, { singleLine: true }) : '';
  const state = [
    // The phase is where a running task is; an ended one is only its status.
    statusLabel(task) + (phase && phase !== task.status && task.status === 'running' ? ` · ${phase}` : ''),
    `turn ${task.usage.turns}`,
    `${formatTokens(totalTokens(task.usage))} tokens`,
    costLabel(task.usage.costUsd),
  ].join(' · ');
  return {
    state,
    elapsed: formatDuration(taskDurationMs(task, now)),
    message: lastEntry ? terminalSafe(lastEntry.message, { singleLine: true }) : '',
  };
}

/** `running · working · turn 5 · 12.3k tokens · $0.04 · 1m 05s · Ran npm test` */
export function progressLine(parts: ProgressParts): string {
  return [parts.state, parts.elapsed, parts.message].filter(Boolean).join(' · ');
}

export interface ProgressDisplay {
  update(update: FollowUpdate): void;
  /** Ends the live line, so what follows starts on a line of its own. */
  done(): void;
}

export function createProgressDisplay(out: Output, now: () => Date = () => new Date()): ProgressDisplay {
  let live = false;
  let lastKey: string | undefined;
  return {
    update({ task, log }) {
      const parts = progressParts(task, log, now());
      if (out.isTTY) {
        const width = Math.max(20, (out.columns ?? 80) - 1);
        const line = progressLine(parts);
        out.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
        live = true;
        return;
      }
      const key = `${parts.state}\n${parts.message}`;
      if (key === lastKey) return;
      lastKey = key;
      out.write(`${progressLine(parts)}\n`);
    },
    done() {
      if (live) out.write('\n');
      live = false;
    },
  };
}
