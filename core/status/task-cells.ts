/**
 * What the status pages say about one task, beyond the columns `nightshift tasks` shares
 * (task-row.ts): when it ran, its target and pull request as GitHub links, what started it in
 * words, and why it failed or was refused. Pure; returns escaped HTML.
 */
import { describeTarget } from '../target-names.js';
import { isTerminal, type Task } from '../task.js';
import { triggerKind } from '../trigger-kinds/index.js';
import { escapeHtml, link, safeHref } from './html.js';

/** GitHub's web address from its API's: api.github.com → github.com, `<host>/api/v3` → `<host>`. */
export function githubWebUrl(apiUrl: string | undefined): string {
  if (!apiUrl) return 'https://github.com';
  try {
    const url = new URL(apiUrl);
    if (url.hostname === 'api.github.com') return 'https://github.com';
    return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '')}`;
  } catch {
    return 'https://github.com';
  }
}

/** Where a task's pieces are on GitHub. */
export function githubLinks(task: Task, web: string) {
  const repo = `${web}/${task.repository}`;
  const targetPath = task.target.kind === 'pull_request' ? 'pull' : 'issues';
  return {
    repository: repo,
    target: `${repo}/${targetPath}/${task.target.number}`,
    // Recorded from GitHub's answer, still checked: only an http(s) URL is shown at all.
    pullRequest:
      safeHref(task.result?.pullRequestUrl) ??
      (task.target.kind === 'pull_request' ? `${repo}/pull/${task.target.number}` : undefined),
    checkRun: task.checkRunId !== undefined ? `${repo}/runs/${task.checkRunId}` : undefined,
    branch: task.branch ? `${repo}/tree/${task.branch}` : undefined,
    commit: task.result?.commitSha ? `${repo}/commit/${task.result.commitSha}` : undefined,
  };
}

/** Declined before any work: counted and shown apart from failures. */
export function isRefused(task: Task): boolean {
  return task.result?.refused === true && isTerminal(task.status);
}

/** The status as the pages show it: `refused` for a refusal, `cancelling` while a cancel waits. */
export function pageStatus(task: Task): { key: string; label: string } {
  if (isRefused(task)) return { key: 'refused', label: 'refused' };
  const label =
    task.cancelRequested && !isTerminal(task.status) ? `${task.status} (cancelling)` : task.status;
  return { key: task.status, label };
}

/** `45s ago`, `12 min ago`, `3 h ago`, `4 d ago`. */
export function timeAgo(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** `2030-06-30 12:00:05 UTC` */
export function exactTime(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(iso) ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : iso;
}

/** When it ran (or was recorded, before it started): relative, the exact time on hover. */
export function timeCell(task: Task, now: Date): string {
  const at = task.startedAt ?? task.createdAt;
  return `<time datetime="${escapeHtml(at)}" title="${escapeHtml(exactTime(at))}">${escapeHtml(timeAgo(at, now))}</time>`;
}

/** `octo/app#12`, linked to the issue or pull request. */
export function targetCell(task: Task, web: string): string {
  return link(
    githubLinks(task, web).target,
    `${task.repository}#${task.target.number}`,
    describeTarget(task.target),
  );
}

/** `#34`, linked, for the pull request the task opened or worked on. */
export function pullRequestCell(task: Task, web: string): string {
  const url = githubLinks(task, web).pullRequest;
  if (!url) return '';
  const number = /\/pull\/(\d+)/.exec(url)?.[1];
  return link(url, number ? `#${number}` : 'pull request');
}

/** What started it, in words; a command is shown as one. */
export function triggerCell(task: Task): string {
  const words = triggerKind(task.trigger.kind).words;
  const command = /^(\/\S+(?: \S+)?|nightshift \S+)(.*)$/.exec(words);
  const shown = command
    ? `<code>${escapeHtml(command[1] ?? '')}</code>${escapeHtml(command[2] ?? '')}`
    : escapeHtml(words);
  const by =
    task.trigger.sender && task.trigger.sender !== task.engineer
      ? ` by ${escapeHtml(task.trigger.sender)}`
      : '';
  return `${shown}${by}`;
}

/** Why it did not succeed: the headline, the whole reason on hover (and on the task's page). */
export function reason(task: Task): { headline: string; detail: string } | undefined {
  if (task.status === 'succeeded' || !isTerminal(task.status)) return undefined;
  const headline = task.result?.headline ?? task.error?.split('\n')[0];
  if (!headline) return undefined;
  const detail = task.result?.summary ?? task.error ?? '';
  return { headline, detail: detail.length > 500 ? `${detail.slice(0, 499)}…` : detail };
}

/** The status, and under it why a task failed or was refused. */
export function statusCell(task: Task): string {
  const status = pageStatus(task);
  const pill = `<span class="status status-${escapeHtml(status.key)}">${escapeHtml(status.label)}</span>`;
  const why = reason(task);
  if (!why) return pill;
  const title = why.detail && why.detail !== why.headline ? ` title="${escapeHtml(why.detail)}"` : '';
  return `${pill}<div class="reason"${title}>${escapeHtml(why.headline)}</div>`;
}
