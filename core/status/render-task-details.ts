/**
 * One task for a terminal (`nightshift show`): its record as `key  value` lines, then its progress
 * log. Untrusted text (instructions, summaries, errors, log messages) is defused for the terminal.
 */
import { requesterOf } from '../requester.js';
import { usageLine } from '../report.js';
import type { LogEntry } from '../store/task-store.js';
import type { Task } from '../task.js';
import { formatDuration } from './format-duration.js';
import { statusLabel, taskDurationMs } from './task-row.js';
import { targetLabel } from '../task.js';
import { describeTarget } from '../target-names.js';
import { terminalSafe } from './terminal-safe.js';

const LABEL_WIDTH = 14;

function field(label: string, value: string | number | undefined): string[] {
  if (value === undefined || value === '') return [];
  const [first = '', ...rest] = terminalSafe(String(value)).split('\n');
  const indent = ' '.repeat(LABEL_WIDTH);
  return [`${label.padEnd(LABEL_WIDTH)}${first}`, ...rest.map((line) => `${indent}${line}`)];
}

/** `2030-01-01 12:00:05` (UTC) from an ISO time; the text itself when it is not one. */
function shortTime(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? iso.slice(0, 19).replace('T', ' ') : iso;
}

export function renderLog(log: readonly LogEntry[]): string {
  if (log.length === 0) return '  (no entries yet)\n';
  const phaseWidth = Math.max(...log.map((e) => terminalSafe(e.phase, { singleLine: true }).length));
  return log
    .map((entry) => {
      const prefix = `  ${shortTime(terminalSafe(entry.at, { singleLine: true }))}  ${terminalSafe(entry.phase, { singleLine: true }).padEnd(phaseWidth)}  `;
      const [first = '', ...rest] = terminalSafe(entry.message).split('\n');
      return [prefix + first, ...rest.map((line) => ' '.repeat(prefix.length) + line)].join('\n');
    })
    .join('\n')
    .concat('\n');
}

export function renderTaskDetails(task: Task, log: readonly LogEntry[], now: Date): string {
  const lines = [
    ...field('Task', task.id),
    ...field('Target', `${targetLabel(task)} (${describeTarget(task.target)})`),
    ...field('Status', statusLabel(task)),
    ...field(
      'Trigger',
      task.trigger.sender ? `${task.trigger.kind} by ${task.trigger.sender}` : task.trigger.kind,
    ),
    ...field('Instructions', task.trigger.text.trim()),
    ...field('Engineer', task.engineer),
    ...field('Charged to', requesterOf(task)),
    ...field('Budget', task.budgetNotice),
    ...field('Attempt', task.retryOf ? `${task.attempt} (retry of ${task.retryOf})` : task.attempt),
    ...field('Installation', task.installationId),
    ...field('Created', task.createdAt),
    ...field('Started', task.startedAt),
    ...field('Finished', task.finishedAt),
    ...field('Duration', formatDuration(taskDurationMs(task, now))),
    ...field('Usage', usageLine(task.usage)),
    ...field('Branch', task.branch),
    ...field('Head', task.headSha),
    ...field('Pull request', task.result?.pullRequestUrl),
    ...field('Commit', task.result?.commitSha),
    ...field('Conclusion', task.result?.conclusion),
    ...field('Summary', task.result?.summary?.trim()),
    ...field('Error', task.error),
    ...field('Check run', task.checkRunId),
    ...field('Runner', task.runnerId),
  ];
  return `${lines.join('\n')}\n\nProgress log (UTC)\n${renderLog(log)}`;
}
