/** The task table for a terminal: aligned columns, numbers right-aligned, untrusted text defused. */
import type { TaskRow } from './task-row.js';
import { terminalSafe } from './terminal-safe.js';

interface Column {
  header: string;
  value: (row: TaskRow) => string;
  align?: 'right';
}

const COLUMNS: Column[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'TARGET', value: (r) => r.target },
  { header: 'TRIGGER', value: (r) => r.trigger },
  { header: 'WHO', value: (r) => r.who },
  { header: 'STATUS', value: (r) => r.statusLabel },
  { header: 'DURATION', value: (r) => r.duration, align: 'right' },
  { header: 'TURNS', value: (r) => String(r.turns), align: 'right' },
  { header: 'TOKENS', value: (r) => r.tokensLabel, align: 'right' },
  { header: 'COST', value: (r) => r.cost, align: 'right' },
  { header: 'PR', value: (r) => r.pullRequestUrl ?? '' },
];

const MAX_CELL = 60;

function cell(text: string): string {
  const safe = terminalSafe(text, { singleLine: true });
  return safe.length > MAX_CELL ? `${safe.slice(0, MAX_CELL - 1)}…` : safe;
}

export function renderTable(rows: readonly TaskRow[]): string {
  if (rows.length === 0) return 'No tasks yet.\n';
  const cells = [COLUMNS.map((c) => c.header), ...rows.map((row) => COLUMNS.map((c) => cell(c.value(row))))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  return cells
    .map((line) =>
      line
        .map((text, i) => {
          const width = widths[i] ?? 0;
          return COLUMNS[i]?.align === 'right' ? text.padStart(width) : text.padEnd(width);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}
