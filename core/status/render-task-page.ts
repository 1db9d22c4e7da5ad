/**
 * One task's page, `/status/tasks/<id>`: its record with links to where it shows on GitHub, then
 * its progress log. The page is a list of sections, so that more (the session's transcript) can be
 * added without touching the others. Everything from the task is escaped; no script.
 */
import { usageLine } from '../report.js';
import type { LogEntry } from '../store/task-store.js';
import { describeTarget } from '../target-names.js';
import { isTerminal, type Task } from '../task.js';
import { formatDuration } from './format-duration.js';
import { escapeHtml, htmlDocument, link, STATUS_CSS, type Reader } from './html.js';
import { exactTime, githubLinks, pageStatus, reason, timeAgo, triggerCell } from './task-cells.js';
import { taskDurationMs } from './task-row.js';
import { SESSION_CSS } from './render-session.js';

export interface TaskPageSection {
  title: string;
  /** The section's HTML, escaped by whoever made it. */
  html: string;
}

export interface TaskPageOptions {
  githubUrl?: string;
  /** Who is signed in (the dashboard): named at the top, with a sign-out link. */
  reader?: Reader;
  /** More sections after the record and the progress log. */
  sections?: TaskPageSection[];
}

/** A field of the record: its label and escaped HTML; left out when there is nothing to say. */
function field(label: string, html: string | undefined): string {
  return html ? `<dt>${escapeHtml(label)}</dt><dd>${html}</dd>` : '';
}

const text = (value: string | number | undefined) =>
  value === undefined || value === '' ? undefined : escapeHtml(String(value));

function when(iso: string | undefined, now: Date): string | undefined {
  return iso
    ? `${escapeHtml(exactTime(iso))} <span class="ago">(${escapeHtml(timeAgo(iso, now))})</span>`
    : undefined;
}

function recordSection(task: Task, now: Date, web: string): TaskPageSection {
  const links = githubLinks(task, web);
  const status = pageStatus(task);
  const why = reason(task);
  const html = [
    field(
      'Status',
      `<span class="status status-${escapeHtml(status.key)}">${escapeHtml(status.label)}</span>`,
    ),
    field('Reason', why ? escapeHtml(why.headline) : undefined),
    field(
      'Target',
      link(links.target, `${task.repository}#${task.target.number}`) +
        ` (${escapeHtml(describeTarget(task.target))})`,
    ),
    field('Trigger', triggerCell(task)),
    field(
      'Instructions',
      task.trigger.text.trim() ? `<pre>${escapeHtml(task.trigger.text.trim())}</pre>` : undefined,
    ),
    field('Engineer', text(task.engineer)),
    field('Attempt', text(task.retryOf ? `${task.attempt} (retry of ${task.retryOf})` : task.attempt)),
    field('Recorded', when(task.createdAt, now)),
    field('Started', when(task.startedAt, now)),
    field('Finished', when(task.finishedAt, now)),
    field('Duration', text(formatDuration(taskDurationMs(task, now)))),
    field('Usage', text(usageLine(task.usage))),
    field('Pull request', links.pullRequest ? link(links.pullRequest, links.pullRequest) : undefined),
    field('Branch', task.branch ? link(links.branch, task.branch) : undefined),
    field(
      'Commit',
      task.result?.commitSha ? link(links.commit, task.result.commitSha.slice(0, 12)) : undefined,
    ),
    field(
      'Check run',
      task.checkRunId !== undefined ? link(links.checkRun, String(task.checkRunId)) : undefined,
    ),
    field(
      'Summary',
      task.result?.summary ? `<pre>${escapeHtml(task.result.summary.trim())}</pre>` : undefined,
    ),
    field(
      'Error',
      task.error && task.error !== task.result?.summary ? `<pre>${escapeHtml(task.error)}</pre>` : undefined,
    ),
    field('Runner', text(task.runnerId)),
    field(
      'JSON',
      `<a href="/api/tasks/${escapeHtml(encodeURIComponent(task.id))}">/api/tasks/${escapeHtml(task.id)}</a>`,
    ),
  ].join('');
  return { title: 'Record', html: `<dl>${html}</dl>` };
}

function logSection(log: readonly LogEntry[]): TaskPageSection {
  if (log.length === 0) return { title: 'Progress log', html: '<p class="empty">No entries yet.</p>' };
  const rows = log
    .map(
      (entry) =>
        `<tr><td><time datetime="${escapeHtml(entry.at)}">${escapeHtml(exactTime(entry.at))}</time></td>` +
        `<td>${escapeHtml(entry.phase)}</td><td class="message">${escapeHtml(entry.message)}</td></tr>`,
    )
    .join('\n');
  return {
    title: 'Progress log',
    html: `<table class="log"><thead><tr><th>At</th><th>Phase</th><th>Message</th></tr></thead><tbody>${rows}</tbody></table>`,
  };
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 60rem; padding: 0 1rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; word-break: break-all; } h2 { font-size: 1.15rem; margin-top: 1.75rem; }
.meta, .empty, .ago { color: #59636e; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dt { font-weight: 600; } dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; margin: 0; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; background: #eff2f5; padding: 0 .25rem; border-radius: .25rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #d1d9e0; vertical-align: top; }
th { background: #f6f8fa; } td:first-child { white-space: nowrap; }
td.message { white-space: pre-wrap; overflow-wrap: anywhere; }
${STATUS_CSS}
${SESSION_CSS}`;

export function renderTaskPage(
  task: Task,
  log: readonly LogEntry[],
  now: Date,
  options: TaskPageOptions = {},
): string {
  const web = options.githubUrl ?? 'https://github.com';
  const sections = [recordSection(task, now, web), logSection(log), ...(options.sections ?? [])];
  const body = [
    `<p class="meta"><a href="/status">← All tasks</a></p>`,
    `<h1>Task ${escapeHtml(task.id)}</h1>`,
    ...sections.map((s) => `<h2>${escapeHtml(s.title)}</h2>\n${s.html}`),
  ].join('\n');
  // A task that may still change is shown fresh; an ended one stays put.
  const refresh = isTerminal(task.status) ? undefined : 10;
  return htmlDocument(`Nightshift task ${task.id}`, body, STYLE, refresh, options.reader);
}
