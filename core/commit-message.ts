/**
 * Commit messages as a person writes them: a subject of at most 72 characters in the imperative,
 * cut at a word with an ellipsis and ending with the issue it works on, then a body that explains
 * the change (the agent's own summary) and the responsible engineer as co-author. Pure.
 *
 * The agent's text is untrusted: a planted instruction can make it write anything. So nothing it
 * writes may steer what reads commit messages: CI-skip markers (`[skip ci]`, `skip-checks: true`)
 * are defused, trailers it writes (`Co-authored-by:`, `Signed-off-by:`) are quoted, `@mentions`
 * become code, hidden characters go. Secrets are redacted by the caller, before and after.
 */
import { sanitizeUntrusted, stripInvisible } from './sanitize.js';

/** Git's and GitHub's convention: longer subjects are cut in one-line views. */
export const SUBJECT_MAX = 72;
const BODY_MAX = 4000;
/** A first line longer than this is the start of a paragraph, not a subject line. */
const SUBJECT_LINE_MAX = 100;

export interface AgentCommit {
  /** The agent's final message, already redacted: its first line may be the subject. */
  summary: string;
  /** The subject when the agent gave no subject line: the issue's title, the person's request. */
  fallbackSubject: string;
  /** The issue worked on: `(#n)` ends the subject and `Refs #n` the body. */
  issue?: number;
  /** Credited with a Co-authored-by trailer. */
  engineer?: string;
}

/** The message of a commit made from the agent's work. */
export function agentCommitMessage(commit: AgentCommit): string {
  const line = subjectLine(commit.summary);
  const explained = line === undefined ? commit.summary : afterFirstLine(commit.summary);
  return assemble(
    commitSubject(line === undefined ? commit.fallbackSubject : imperative(line), commit.issue),
    [commitBody(explained), commit.issue === undefined ? '' : `Refs #${commit.issue}`],
    commit.engineer,
  );
}

/** Subject, body and trailer; the subject and body are cleaned here whatever their source. */
export function commitMessage(parts: { subject: string; body?: string; engineer?: string }): string {
  return assemble(commitSubject(parts.subject), [commitBody(parts.body ?? '')], parts.engineer);
}

/** Paragraphs in order; the co-author's trailer last, where git and GitHub look for trailers. */
function assemble(subject: string, body: string[], engineer: string | undefined): string {
  const trailer = engineer ? `Co-authored-by: ${engineer} <${engineer}@users.noreply.github.com>` : '';
  return `${[subject, ...body, trailer].filter(Boolean).join('\n\n')}\n`;
}

/**
 * The agent's subject line, when its final message starts with one (the prompt asks for it): the
 * first line, standing alone before a blank line and more text, without a heading's `#` or bold,
 * if it reads as a phrase of a few words. A heading such as "Summary:", a list item, a whole
 * paragraph or a one-line message is not a subject.
 */
export function subjectLine(summary: string): string | undefined {
  const paragraphs = summary
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .filter((p) => p.trim() !== '');
  const first = paragraphs[0]?.trim();
  if (first === undefined || paragraphs.length < 2 || first.includes('\n')) return undefined;
  const line = oneLine(first)
    .replace(/^#{1,6}\s+/, '')
    .replace(/^(\*\*|__)(.+)\1$/, '$2')
    .replace(/^(?:subject|commit(?: message)?|title)\s*:\s*/i, '')
    .trim();
  if (line.length > SUBJECT_LINE_MAX || !/\S\s+\S/.test(line)) return undefined;
  if (/:$/.test(line) || /^([-*+>|]|\d+[.)])\s/.test(line) || /^(summary|done)\b/i.test(line)) {
    return undefined;
  }
  return line;
}

/**
 * One line of at most 72 characters: capitalised, no "please", no trailing period, defused, cut
 * at a word with "…", and ` (#n)` kept at the end.
 */
export function commitSubject(text: string, issue?: number): string {
  const reference = issue === undefined ? '' : ` (#${issue})`;
  let line = defuse(oneLine(text))
    .replace(/^((fixup|squash|amend)!\s*)+/i, '')
    .replace(/^please\s+/i, '');
  line = line.replace(/\.+$/, '').trim();
  // The reference is added once, at the end, whether or not the text had it.
  if (issue !== undefined) line = line.replace(new RegExp(`\\s*\\(?#${issue}\\)?$`), '');
  if (/^[a-z]+(\s|$)/.test(line)) line = `${line.charAt(0).toUpperCase()}${line.slice(1)}`;
  if (!line) line = issue === undefined ? 'Update' : 'Work on the issue';
  return `${cutAtWord(line, SUBJECT_MAX - reference.length)}${reference}`;
}

/** Untrusted text as a commit body: no hidden characters, nothing that steers CI or credits. */
export function commitBody(text: string): string {
  const clean = sanitizeUntrusted(text, { maxChars: BODY_MAX });
  return defuse(clean)
    .replace(TRAILER_LINE, '$1> $2')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Cut to at most `max` characters (code points): at the last word that fits, without dangling
 * brackets, quotes or punctuation, ending with "…". A single word longer than that is cut inside.
 */
export function cutAtWord(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const room = chars.slice(0, max - 1).join('');
  const nextIsSpace = /\s/.test(chars[max - 1] ?? '');
  const space = room.search(/\s\S*$/);
  const kept = nextIsSpace ? room : space >= room.length / 2 ? room.slice(0, space) : room;
  return `${kept.replace(DANGLING, '')}…`;
}

/** Whitespace, opening brackets, quotes and joining punctuation left at the end of a cut. */
const DANGLING = /[\s([{<'"`,;:/\\\-–—]+$/u;

function oneLine(text: string): string {
  return stripInvisible(text).replace(/\s+/g, ' ').trim();
}

function afterFirstLine(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const first = lines.findIndex((line) => line.trim() !== '');
  return lines.slice(first + 1).join('\n');
}

/**
 * Commit-message markers that make CI skip a commit: GitHub Actions' `[skip ci]`, `[ci skip]`,
 * `[no ci]`, `[skip actions]`, `[actions skip]`, and the like of other CI services (`[skip azp]`,
 * `[skip netlify]`, `***NO_CI***`). They become round brackets, which nothing reads.
 */
const SKIP_MARKER = /\[\s*((?:skip|no)[\s_-]+[\w-]+|[\w-]+[\s_-]+skip)\s*\]/gi;
const NO_CI = /\*{3}\s*NO_CI\s*\*{3}/gi;
/** A GitHub login or team after `@`, not inside a word, an address or a code span. */
const MENTION = /(^|[^\w`/.@-])@([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}(?:\/[\w.-]+)?)/gim;
/** Trailers that credit people or steer checks; the agent's are quoted so that none is read. */
const TRAILER_LINE = /^([ \t]*)((?:[\w-]+-by|skip-checks)[ \t]*:)/gim;

function defuse(text: string): string {
  return text.replace(SKIP_MARKER, '($1)').replace(NO_CI, 'NO_CI').replace(MENTION, '$1`@$2`');
}

/** Verbs a summary starts with, by each of their forms: "Fixed" and "Fixes" become "Fix". */
const VERBS = (
  'add address adjust allow avoid change clarify convert correct document ensure fix guard handle ' +
  'implement improve move normalize prevent refactor remove rename replace resolve restore return ' +
  'simplify support treat update use'
).split(' ');
const BASE_FORM = new Map<string, string>([
  ['make', 'make'],
  ['made', 'make'],
  ['makes', 'make'],
  ['keep', 'keep'],
  ['kept', 'keep'],
  ['keeps', 'keep'],
]);
for (const verb of VERBS) {
  const consonantY = /[^aeiou]y$/.test(verb);
  const stem = consonantY ? verb.slice(0, -1) + 'i' : verb;
  const third = /(s|sh|ch|x|z)$/.test(verb) || consonantY ? `${stem}es` : `${verb}s`;
  const past = verb.endsWith('e') ? `${verb}d` : `${stem}ed`;
  BASE_FORM.set(verb, verb).set(third, verb).set(past, verb);
}
/** How an agent starts a sentence about its work: "I fixed", "This change adds". */
const SELF_REFERENCE = /^(?:i|we|i've|i have|we've|we have|this (?:change|commit|patch|pr|pull request))\s+/i;

/** The agent's "I fixed the parser" → "Fix the parser" (an issue's title is left as it is). */
function imperative(line: string): string {
  const withoutSelf = line.replace(SELF_REFERENCE, '');
  const word = /^([A-Za-z]+)(?=\s)/.exec(withoutSelf)?.[1] ?? '';
  const base = BASE_FORM.get(word.toLowerCase());
  return base ? `${base}${withoutSelf.slice(word.length)}` : line;
}
