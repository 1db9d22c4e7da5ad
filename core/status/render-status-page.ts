/**
 * The status page: recent tasks (the same columns as `nightshift tasks`), the token spend per
 * repository and per engineer over the last 7 and 30 days, and the outcomes of the last 30 days
 * (render-outcome-section.ts). One self-contained HTML document, no
 * script, refreshed by the browser every 10 seconds. Everything from a task is untrusted (an
 * engineer's login, a repository's name, a URL) and is escaped (html.ts); only http(s) links are linked.
 */
import type { PullRequestRecord } from '../pull-request-outcome.js';
import { outcomeStats } from './outcome-stats.js';
import { renderOutcomeSection } from './render-outcome-section.js';
import { formatTokens } from '../report.js';
import { isTerminal, type Task } from '../task.js';
import { escapeHtml, htmlDocument, STATUS_CSS, type Reader } from './html.js';
import { type SpendLine, type SpendTotals, formatSpendCost, spendSummary } from './spend-summary.js';
import { isRefused, pullRequestCell, statusCell, targetCell, timeCell, triggerCell } from './task-cells.js';
import { taskRow } from './task-row.js';

export { STATUS_PAGE_CSP, escapeHtml } from './html.js';

export interface StatusPageOptions {
  /** How many tasks the recent-tasks table shows (default 50); spend counts every task given. */
  recentLimit?: number;
  /** Set when `tasks` was cut short, so spend may be undercounted: the page says so. */
  truncated?: boolean;
  /** Seconds between refreshes (default 10). */
  refreshSeconds?: number;
  /** GitHub's web address, for links to targets and pull requests (default https://github.com). */
  githubUrl?: string;
  /** Nightshift's pull requests opened in the last 30 days, for the outcome section. */
  pullRequests?: readonly PullRequestRecord[];
  /** Who is signed in (the dashboard): named at the top, with a sign-out link. */
  reader?: Reader;
}

/** The task's own page (render-task-page.ts). */
export function taskPagePath(taskId: string): string {
  return `/status/tasks/${encodeURIComponent(taskId)}`;
}

function taskLine(task: Task, now: Date, web: string): string {
  const row = taskRow(task, now);
  const cells = [
    `<td class="id"><a href="${escapeHtml(taskPagePath(row.id))}" title="${escapeHtml(row.id)}">${escapeHtml(row.id.slice(-8))}</a></td>`,
    `<td>${timeCell(task, now)}</td>`,
    `<td>${targetCell(task, web)}</td>`,
    `<td class="trigger">${triggerCell(task)}</td>`,
    `<td class="wide">${escapeHtml(row.who)}</td>`,
    `<td class="state">${statusCell(task)}</td>`,
    `<td class="num wide">${escapeHtml(row.duration)}</td>`,
    `<td class="num wide">${escapeHtml(String(row.turns))}</td>`,
    `<td class="num wide" title="${escapeHtml(String(row.tokens))}">${escapeHtml(row.tokensLabel)}</td>`,
    `<td class="num">${escapeHtml(row.cost)}</td>`,
    `<td>${pullRequestCell(task, web)}</td>`,
  ];
  return `<tr>${cells.join('')}</tr>`;
}

const HEADERS: Array<[string, string?]> = [
  ['Task'],
  ['When'],
  ['Target'],
  ['Trigger'],
  ['Who', 'wide'],
  ['Status'],
  ['Duration', 'num wide'],
  ['Turns', 'num wide'],
  ['Tokens', 'num wide'],
  ['Cost', 'num'],
  ['PR'],
];

function tasksTable(tasks: readonly Task[], now: Date, web: string): string {
  if (tasks.length === 0) return '<p class="empty">No tasks yet.</p>';
  const head = HEADERS.map(([h, c]) => (c ? `<th class="${c}">${h}</th>` : `<th>${h}</th>`)).join('');
  return (
    `<div class="scroll"><table class="tasks"><thead><tr>${head}</tr></thead>` +
    `<tbody>${tasks.map((task) => taskLine(task, now, web)).join('\n')}</tbody></table></div>`
  );
}

/** How the recent tasks ended or stand: refusals apart from failures. */
function countsLine(tasks: readonly Task[]): string {
  const counts = { succeeded: 0, failed: 0, refused: 0, cancelled: 0, active: 0 };
  for (const task of tasks) {
    if (isRefused(task)) counts.refused++;
    else if (!isTerminal(task.status)) counts.active++;
    else counts[task.status as 'succeeded' | 'failed' | 'cancelled']++;
  }
  const parts = [
    `${counts.succeeded} succeeded`,
    `${counts.failed} failed`,
    `${counts.refused} refused`,
    `${counts.cancelled} cancelled`,
    `${counts.active} queued or running`,
  ];
  return `<p class="counts">Of these ${tasks.length}: ${parts.map(escapeHtml).join(' · ')}</p>`;
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
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1rem; }
.meta, .empty, .note, .counts { color: #59636e; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d1d9e0; white-space: nowrap; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
td.state { white-space: normal; min-width: 9rem; max-width: 22rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; background: #eff2f5; padding: 0 .25rem; border-radius: .25rem; }
time { border-bottom: 1px dotted #8c959f; }
${STATUS_CSS}
.reason { color: #59636e; font-size: 12px; margin-top: .2rem; }
/* Narrow: keep what says what happened (when, what, why, cost, PR); the task's page has the rest. */
@media (max-width: 900px) {
  body { margin: 1rem auto; padding: 0 .5rem; font-size: 13px; }
  th, td { padding: .25rem .35rem; }
  .wide { display: none; }
  td.trigger { white-space: normal; min-width: 6rem; }
}
`;

const DAY_MS = 24 * 60 * 60 * 1000;

export function renderStatusPage(tasks: readonly Task[], now: Date, options: StatusPageOptions = {}): string {
  const recent = tasks.slice(0, options.recentLimit ?? 50);
  const web = options.githubUrl ?? 'https://github.com';
  const spend = spendSummary(tasks, now);
  const refresh = options.refreshSeconds ?? 10;
  const note = options.truncated
    ? `<p class="note">Spend counts the newest ${tasks.length} tasks only; older tasks in the window are not included.</p>`
    : '';
  const body = `<h1>Nightshift</h1>
<p class="meta">As of ${escapeHtml(now.toISOString().slice(0, 19).replace('T', ' '))} UTC · refreshes every ${refresh} seconds · JSON at <a href="/api/tasks">/api/tasks</a></p>
<h2>Recent tasks</h2>
${recent.length > 0 ? countsLine(recent) : ''}
${tasksTable(recent, now, web)}
<h2>Token spend</h2>
<p class="meta">All repositories: last 7 days ${escapeHtml(formatTokens(spend.total.last7Days.tokens))} tokens, ${escapeHtml(formatSpendCost(spend.total.last7Days))}; last 30 days ${escapeHtml(formatTokens(spend.total.last30Days.tokens))} tokens, ${escapeHtml(formatSpendCost(spend.total.last30Days))}.</p>
${note}
${spendTable('Per repository', 'Repository', spend.byRepository)}
${spendTable('Per engineer', 'Engineer', spend.byEngineer)}
${renderOutcomeSection(outcomeStats(tasks, options.pullRequests ?? [], { since: new Date(now.getTime() - 30 * DAY_MS).toISOString() }))}`;
  return htmlDocument('Nightshift status', body, STYLE, refresh, options.reader);
}
