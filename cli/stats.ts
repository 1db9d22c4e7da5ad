/**
 * `nightshift stats`: per repository and per person over a period (default the last 30 days),
 * tasks, pull requests opened, merged and closed unmerged, merge rate, median time to merge, spend
 * and cost per merged pull request (core/status/outcome-stats.ts), as tables or JSON.
 */
import { OUTCOME_HEADERS, outcomeCells } from '../core/status/outcome-cells.js';
import { type OutcomeLine, type OutcomeStats, outcomeStats } from '../core/status/outcome-stats.js';
import { terminalSafe } from '../core/status/terminal-safe.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { StatsArgs } from './args.js';
import type { CliIo } from './io.js';

export async function readStats(store: TaskStore, args: StatsArgs, now: Date): Promise<OutcomeStats> {
  const since = new Date(now.getTime() - args.sinceMs).toISOString();
  const [tasks, pulls] = await Promise.all([store.listCreatedSince(since), store.listPullRequests(since)]);
  return outcomeStats(tasks, pulls, { since, ...(args.repo ? { repository: args.repo } : {}) });
}

function table(keyHeader: string, lines: readonly OutcomeLine[]): string {
  if (lines.length === 0) return '  nothing in this period\n';
  const rows = [
    [keyHeader, ...OUTCOME_HEADERS].map((h) => h.toUpperCase()),
    ...lines.map((line) => [terminalSafe(line.key, { singleLine: true }), ...outcomeCells(line)]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i <= 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

export async function statsCommand(store: TaskStore, args: StatsArgs, io: CliIo, now: Date): Promise<number> {
  const stats = await readStats(store, args, now);
  if (args.json) {
    io.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
    return 0;
  }
  const scope = args.repo ? ` in ${args.repo}` : '';
  io.stdout.write(
    `Since ${stats.since.slice(0, 16).replace('T', ' ')} UTC (${args.since})${scope}\n\n` +
      `Per repository\n${table('Repository', stats.byRepository)}\n` +
      `Per person (tasks and spend: who asked; pull requests: their responsible engineer)\n` +
      table('Person', stats.byEngineer),
  );
  return 0;
}
