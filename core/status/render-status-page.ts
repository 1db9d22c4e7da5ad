/**
 * The status page: recent tasks (the same columns as `nightshift tasks`) and the token spend per
 * repository and per engineer over the last 7 and 30 days. One self-contained HTML document, no
 * script, refreshed by the browser every 10 seconds. Everything from a task is untrusted (an
 * engineer's login, a repository's name, a URL) and is escaped; only http(s) links are linked.
 */
import { formatTokens } from '../report.js';
import { type SpendLine, type SpendTotals, formatSpendCost, spendSummary } from './spend-summary.js';
import { type TaskRow, taskRow } from './task-row.js';
import type { Task } from '../task.js';

export interface StatusPageOptions {
  /** How many tasks the recent-tasks table shows (default 50); spend counts every task given. */
  recentLimit?: number;
  /** Set when `tasks` was cut short, so spend may be undercounted: the page says so. */
  truncated?: boolean;
  /** Seconds between refreshes (default 10). */
  refreshSeconds?: number;
}

/** Content-Security-Policy for the page: no script, no external resource, only its own style. */
export const STATUS_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An http(s) URL, or undefined: a `javascript:` link must never reach an `href`. */
function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function pullRequestCell(url: string | undefined): string {
  const href = safeHref(url);
  if (!href) return '';
  const label = /\/pull\/(\d+)/.exec(href)?.[1];
  return `<a href="${escapeHtml(href)}">${escapeHtml(label ? `#${label}` : 'pull request')}</a>`;
}

function taskLine(row: TaskRow): string {
  const cells = [
    `<td class="id"><a href="/api/tasks/${escapeHtml(encodeURIComponent(row.id))}">${escapeHtml(row.id)}</a></td>`,
    `<td>${escapeHtml(row.target)}</td>`,
    `<td>${escapeHtml(row.trigger)}</td>`,
    `<td>${escapeHtml(row.engineer)}</td>`,
    `<td><span class="status status-${escapeHtml(row.status)}">${escapeHtml(row.statusLabel)}</span></td>`,
    `<td class="num">${escapeHtml(row.duration)}</td>`,
    `<td class="num">${escapeHtml(String(row.turns))}</td>`,
    `<td class="num" title="${escapeHtml(String(row.tokens))}">${escapeHtml(row.tokensLabel)}</td>`,
    `<td class="num">${escapeHtml(row.cost)}</td>`,
    `<td>${pullRequestCell(row.pullRequestUrl)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

function tasksTable(rows: TaskRow[]): string {
  if (rows.length === 0) return '<p class="empty">No tasks yet.</p>';
  const headers = ['Task', 'Target', 'Trigger', 'Who', 'Status', 'Duration', 'Turns', 'Tokens', 'Cost', 'PR'];
  return (
    `<table class="tasks"><thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map(taskLine).join('\n')}</tbody></table>`
  );
}

function totalsCells(t: SpendTotals): string {
  return (
    `<td class="num">${escapeHtml(String(t.tasks))}</td>` +
    `<td class="num" title="${escapeHtml(String(t.tokens))}">${escapeHtml(formatTokens(t.tokens))}</td>` +
    `<td class="num">${escapeHtml(formatSpendCost(t))}</td>`
  );
}

function spendTable(caption: string, keyHeader: string, lines: SpendLine[]): string {
  if (lines.length === 0) return `<h3>${caption}</h3><p class="empty">No tasks in the last 30 days.</p>`;
  const head =
    `<tr><th rowspan="2">${keyHeader}</th><th colspan="3">Last 7 days</th><th colspan="3">Last 30 days</th></tr>` +
    `<tr>${'<th>Tasks</th><th>Tokens</th><th>Cost</th>'.repeat(2)}</tr>`;
  const body = lines
    .map(
      (l) => `<tr><td>${escapeHtml(l.key)}</td>${totalsCells(l.last7Days)}${totalsCells(l.last30Days)}</tr>`,
    )
    .join('\n');
  return `<h3>${caption}</h3><table class="spend"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1rem; }
.meta, .empty, .note { color: #59636e; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #d1d9e0; white-space: nowrap; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
a { color: #0969da; }
.status { padding: .1rem .45rem; border-radius: 1rem; background: #eff2f5; }
.status-running, .status-dispatched { background: #ddf4ff; }
.status-succeeded { background: #dafbe1; }
.status-failed { background: #ffebe9; }
.status-cancelled { background: #fff8c5; }
`;

export function renderStatusPage(tasks: readonly Task[], now: Date, options: StatusPageOptions = {}): string {
  const recent = tasks.slice(0, options.recentLimit ?? 50).map((task) => taskRow(task, now));
  const spend = spendSummary(tasks, now);
  const refresh = options.refreshSeconds ?? 10;
  const note = options.truncated
    ? `<p class="note">Spend counts the newest ${tasks.length} tasks only; older tasks in the window are not included.</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(STATUS_PAGE_CSP)}">
<meta http-equiv="refresh" content="${refresh}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nightshift status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Nightshift</h1>
<p class="meta">As of ${escapeHtml(now.toISOString())} · refreshes every ${refresh} seconds · JSON at <a href="/api/tasks">/api/tasks</a></p>
<h2>Recent tasks</h2>
${tasksTable(recent)}
<h2>Token spend</h2>
<p class="meta">All repositories: last 7 days ${escapeHtml(formatTokens(spend.total.last7Days.tokens))} tokens, ${escapeHtml(formatSpendCost(spend.total.last7Days))}; last 30 days ${escapeHtml(formatTokens(spend.total.last30Days.tokens))} tokens, ${escapeHtml(formatSpendCost(spend.total.last30Days))}.</p>
${note}
${spendTable('Per repository', 'Repository', spend.byRepository)}
${spendTable('Per engineer', 'Engineer', spend.byEngineer)}
</body>
</html>
`;
}
