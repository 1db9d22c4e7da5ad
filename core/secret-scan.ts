/**
 * Push protection: does text (or a diff) about to leave for GitHub hold a secret? Each hit says
 * what was found and where, never the value, because hits are shown to people.
 *
 * Known values are found raw, base64 (any alignment), hex, reversed and split across lines or
 * strings; token shapes (GitHub, Anthropic, AWS, Slack, PEM private keys) whatever their value.
 * See secret-match.ts for how, and sanitize.ts's `redactSecrets` for the same search used to
 * redact.
 */

import { REDACTED } from './sanitize.js';
import type { KnownSecretForm, SecretMatch, SecretPart, TokenShape } from './secret-match.js';
import { compileSecrets, findSecretMatches, outermostMatches, replaceMatches } from './secret-match.js';

export type { KnownSecretForm, SecretPart, TokenShape } from './secret-match.js';

interface Where {
  /** The file, in a diff (redacted if its own name holds a secret). */
  file?: string;
  /** 1-based line: in the text, or in the file's new version for a diff. */
  line?: number;
}

export type SecretHit =
  | (Where & {
      kind: 'known-secret';
      /** Which of the values passed in (its index), never the value. */
      secret: number;
      form: KnownSecretForm;
      /** Found only with the pieces joined: split across lines, strings or characters. */
      split: boolean;
      part: SecretPart;
    })
  | (Where & { kind: 'token-shape'; shape: TokenShape });

/** Known values shorter than this are not looked for: they would match ordinary text. */
export const MIN_SECRET_LENGTH = 8;

/** Every secret in `text`, in order of position, with its 1-based line. */
export function findSecrets(text: string, secrets: readonly string[]): SecretHit[] {
  return scanText(text, makeScanner(secrets));
}

type Scanner = (text: string) => SecretMatch[];

function makeScanner(secrets: readonly string[]): Scanner {
  const compiled = compileSecrets(secrets, { minLength: MIN_SECRET_LENGTH });
  return (text) => outermostMatches(findSecretMatches(text, compiled));
}

function scanText(text: string, scan: Scanner): SecretHit[] {
  const matches = scan(text);
  if (matches.length === 0) return [];
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  return matches.map((m) => toHit(m, { line: lineOf(lineStarts, m.start) }));
}

function toHit(match: SecretMatch, where: Where): SecretHit {
  if (match.kind === 'token-shape') return { kind: 'token-shape', shape: match.shape, ...where };
  const { secret, form, split, part } = match;
  return { kind: 'known-secret', secret, form, split, part, ...where };
}

/** The 1-based line holding `offset`, given the offsets where lines start (ascending). */
function lineOf(lineStarts: readonly number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/**
 * The secrets in the lines a unified git diff (`git diff`, `git show`, `git format-patch`) adds,
 * with the file and its line in the new version. Consecutive added lines of one file are scanned
 * together, so a value split across them is found; removed and context lines are not scanned.
 * File names are scanned too (a hit there has no line).
 *
 * Binary files (`GIT binary patch`, `Binary files … differ`) are NOT scanned: their content is
 * compressed and base85-encoded in the patch. Scan such blobs separately with `findSecrets`, as
 * well as commit messages, which a diff does not carry as added lines.
 */
export function scanDiff(diff: string, secrets: readonly string[]): SecretHit[] {
  const scan = makeScanner(secrets);
  const hits: SecretHit[] = [];
  for (const file of parseDiff(diff)) {
    const nameMatches = scan(file.path);
    const name = replaceMatches(file.path, nameMatches, REDACTED);
    for (const m of nameMatches) hits.push(toHit(m, { file: name }));
    for (const block of file.blocks) {
      for (const hit of scanText(block.lines.join('\n'), scan)) {
        hits.push({ ...hit, file: name, line: block.firstLine + (hit.line ?? 1) - 1 });
      }
    }
  }
  return hits;
}

interface DiffFile {
  path: string;
  /** Runs of consecutive added lines, with the new-version line number of the first. */
  blocks: Array<{ firstLine: number; lines: string[] }>;
}

const HUNK = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** The files of a unified diff and the lines each adds; hunk line counts tell content from headers. */
function parseDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | undefined;
  let oldPath = '';
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  let block: DiffFile['blocks'][number] | undefined;
  for (const raw of diff.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (oldLeft > 0 || newLeft > 0) {
      const mark = line.charAt(0);
      if (mark === '+') {
        if (block && block.firstLine + block.lines.length === newLine) block.lines.push(line.slice(1));
        else file?.blocks.push((block = { firstLine: newLine, lines: [line.slice(1)] }));
        newLine += 1;
        newLeft -= 1;
      } else if (mark === '-') {
        oldLeft -= 1;
      } else if (mark !== '\\') {
        // context (an empty line is a context line whose leading space was trimmed)
        oldLeft -= 1;
        newLeft -= 1;
        newLine += 1;
      }
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk && file) {
      oldLeft = Number(hunk[1] ?? 1);
      newLine = Number(hunk[2]);
      newLeft = Number(hunk[3] ?? 1);
      block = undefined;
    } else if (line.startsWith('diff --git ')) {
      file = undefined;
    } else if (line.startsWith('--- ')) {
      oldPath = pathOf(line.slice(4), 'a/');
    } else if (line.startsWith('+++ ')) {
      const path = line.slice(4) === '/dev/null' ? oldPath : pathOf(line.slice(4), 'b/');
      files.push((file = { path, blocks: [] }));
    }
  }
  return files;
}

/** A `---`/`+++` header's path, without its `a/` or `b/` prefix, quotes or trailing tab. */
function pathOf(header: string, prefix: string): string {
  let path = header.replace(/\t.*$/, '');
  if (path.startsWith('"') && path.endsWith('"') && path.length >= 2) path = path.slice(1, -1);
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

const SHAPE_NAMES: Record<TokenShape, string> = {
  'GitHub token': 'a GitHub token',
  'Anthropic key': 'an Anthropic API key',
  'AWS access key': 'an AWS access key ID',
  'private key': 'a private key',
  'Slack token': 'a Slack token',
};
const PART_NAMES: Record<SecretPart, string> = {
  value: 'the value of a known secret',
  'key line': 'a line of a known private key',
  'key body': 'the body of a known private key',
};
const FORM_NAMES: Record<KnownSecretForm, string> = {
  raw: '',
  base64: ', base64-encoded',
  hex: ', hex-encoded',
  reversed: ', reversed',
};

/** What a hit is, in words, without its value or place. */
export function describeSecretHit(hit: SecretHit): string {
  if (hit.kind === 'token-shape') return SHAPE_NAMES[hit.shape];
  return PART_NAMES[hit.part] + FORM_NAMES[hit.form] + (hit.split ? ', split across lines or strings' : '');
}

/**
 * One sentence for people: how many secrets and what and where each is, e.g. "2 secrets found: a
 * GitHub token (src/a.ts line 3), the value of a known secret, hex-encoded (notes.txt line 1)".
 * Hits of one kind in one file are listed together; it never holds a secret value.
 */
export function explainSecretHits(hits: readonly SecretHit[], options: { maxItems?: number } = {}): string {
  if (hits.length === 0) return 'No secrets found.';
  const groups = new Map<string, { what: string; file?: string; lines: number[] }>();
  for (const hit of hits) {
    const what = describeSecretHit(hit);
    const key = JSON.stringify([what, hit.file ?? null]);
    const group = groups.get(key) ?? {
      what,
      ...(hit.file !== undefined ? { file: hit.file } : {}),
      lines: [],
    };
    if (hit.line !== undefined && !group.lines.includes(hit.line)) group.lines.push(hit.line);
    groups.set(key, group);
  }
  const items = [...groups.values()].map(({ what, file, lines }) => {
    const at = lines.length === 0 ? '' : `${lines.length === 1 ? 'line' : 'lines'} ${lines.join(', ')}`;
    const where = [file, at].filter(Boolean).join(' ');
    return where ? `${what} (${where})` : what;
  });
  const max = options.maxItems ?? 20;
  const shown = items.slice(0, max);
  if (items.length > max) shown.push(`and ${items.length - max} more`);
  return `${hits.length} ${hits.length === 1 ? 'secret' : 'secrets'} found: ${shown.join(', ')}`;
}
