/**
 * The files a push changed, as a person reads them: added, changed, deleted or renamed, with the
 * lines added and removed, each linked to its place in the pull request's "Files changed" view.
 * Parsed from git's own machine-readable output (`--name-status -z -M` and `--numstat -z -M`,
 * made in the supervisor's repository); paths are the agent's, so they are quoted as code. Pure.
 */
import { createHash } from 'node:crypto';
import { stripInvisible } from './sanitize.js';

export type ChangeKind = 'added' | 'changed' | 'deleted' | 'renamed';

export interface ChangedFile {
  kind: ChangeKind;
  path: string;
  /** A renamed file's path before. */
  previousPath?: string;
  /** Lines added and removed; null for a binary file. */
  additions: number | null;
  deletions: number | null;
}

/** Longest list shown; the rest is counted. A pull request's body holds 65,536 characters. */
const MAX_LISTED = 100;
const MAX_LIST_CHARS = 20_000;

/** Git's status letters: copies and type changes read as what they are to a reviewer. */
const KINDS: Record<string, ChangeKind> = { A: 'added', C: 'added', D: 'deleted', R: 'renamed' };

/** Join the two outputs of git (run with the same range and `-z -M`) into one list. */
export function parseChangedFiles(nameStatus: string, numstat: string): ChangedFile[] {
  const counts = new Map<string, { additions: number | null; deletions: number | null }>();
  const stat = numstat.split('\0');
  for (let i = 0; i < stat.length; i++) {
    const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(stat[i] ?? '');
    if (!match) continue;
    // A rename's record is `added\tdeleted\t` then the old and the new path, each on its own.
    let path = match[3] ?? '';
    if (path === '') {
      path = stat[i + 2] ?? '';
      i += 2;
    }
    const lines = (n: string | undefined) => (n === '-' || n === undefined ? null : Number(n));
    counts.set(path, { additions: lines(match[1]), deletions: lines(match[2]) });
  }
  const files: ChangedFile[] = [];
  const fields = nameStatus.split('\0');
  for (let i = 0; i < fields.length;) {
    const status = fields[i++] ?? '';
    if (!status) continue;
    const letter = status.charAt(0);
    const twoPaths = letter === 'R' || letter === 'C';
    const previousPath = twoPaths ? (fields[i++] ?? '') : undefined;
    const path = fields[i++] ?? '';
    const kind = KINDS[letter] ?? 'changed';
    const count = counts.get(path) ?? { additions: null, deletions: null };
    files.push({ kind, path, ...(kind === 'renamed' && previousPath ? { previousPath } : {}), ...count });
  }
  return files;
}

/** GitHub's anchor of a file in a pull request's or commit's diff: `diff-` and the path's SHA-256. */
export function diffAnchor(path: string): string {
  return `diff-${createHash('sha256').update(path, 'utf8').digest('hex')}`;
}

/**
 * A Markdown list, one file a line: `[`src/a.js`](…/files#diff-…) changed, +3 -1`. With no pull
 * request URL (a push not yet on one), the paths are not links.
 */
export function filesChangedList(files: ChangedFile[], pullRequestUrl?: string): string {
  if (files.length === 0) return '(none)';
  const added = files.reduce((sum, f) => sum + (f.additions ?? 0), 0);
  const deleted = files.reduce((sum, f) => sum + (f.deletions ?? 0), 0);
  const lines = [
    `${files.length} ${files.length === 1 ? 'file' : 'files'}, +${added} -${deleted} lines: ${kindCounts(files)}.`,
    '',
  ];
  let chars = 0;
  let listed = 0;
  for (const file of files) {
    const line = `- ${fileLine(file, pullRequestUrl)}`;
    if (listed >= MAX_LISTED || chars + line.length > MAX_LIST_CHARS) break;
    lines.push(line);
    chars += line.length;
    listed++;
  }
  if (listed < files.length) lines.push(`- … and ${files.length - listed} more`);
  return lines.join('\n');
}

function kindCounts(files: ChangedFile[]): string {
  const order: ChangeKind[] = ['added', 'changed', 'deleted', 'renamed'];
  return order
    .map((kind) => [kind, files.filter((f) => f.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
}

function fileLine(file: ChangedFile, pullRequestUrl: string | undefined): string {
  const name = file.previousPath
    ? `${codeSpan(file.previousPath)} → ${codeSpan(file.path)}`
    : codeSpan(file.path);
  const shown = pullRequestUrl ? `[${name}](${pullRequestUrl}/files#${diffAnchor(file.path)})` : name;
  const lines =
    file.additions === null || file.deletions === null ? 'binary' : `+${file.additions} -${file.deletions}`;
  return `${shown} ${file.kind}, ${lines}`;
}

/** Text as inline code whatever it holds: a fence longer than any run of backticks inside. */
function codeSpan(text: string): string {
  const clean = stripInvisible(text).replace(/[\r\n\t]/g, ' ');
  const longestRun = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || longestRun > 0 ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}
