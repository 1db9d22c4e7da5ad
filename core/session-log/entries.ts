/**
 * A task's session log: what the agent did, turn by turn, as entries recorded while it works
 * (agent-task/session/recorder.ts), stored one item each under the task (core/store/records/
 * session-log.ts) and shown on the check run, in `nightshift show --log` and on the task's page.
 * Every text in an entry is redacted and names paths relative to the repository before it is
 * recorded; `boundEntry` keeps each one small enough for one store item and one glance.
 */
import { truncateText } from '../sanitize.js';

export interface TurnTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export type SessionEntry =
  /** A model reply: its text (may be empty) and what this turn cost in tokens. */
  | {
      kind: 'turn';
      at: string;
      turn: number;
      text: string;
      tokens: TurnTokens;
      /** The model request's time, retries included. */
      durationMs: number;
    }
  /** A tool call of `turn`: the one-line action, and its result cut to a readable size. */
  | {
      kind: 'tool';
      at: string;
      turn: number;
      tool: string;
      action: string;
      result: string;
      isError: boolean;
      durationMs: number;
    }
  /** A message that joined the conversation mid-task (a person's `/agent <text>`). */
  | { kind: 'message'; at: string; turn: number; author?: string; text: string }
  /** One run of the repository's test command after the agent finished. */
  | {
      kind: 'verify';
      at: string;
      round: number;
      command: string;
      outcome: 'passed' | 'failed' | 'stopped';
      exitCode?: number;
      output: string;
      durationMs: number;
    }
  /** What was pushed: the branch, the commit, the files it changed. */
  | { kind: 'push'; at: string; branch: string; sha: string; files: string[] };

export type SessionEntryKind = SessionEntry['kind'];

/** An entry as the store keeps it: its place in the task's log. */
export interface StoredSessionEntry {
  seq: number;
  entry: SessionEntry;
}

/** How much of each text one stored entry keeps: one item stays far under DynamoDB's 400 KB. */
export const ENTRY_LIMITS = {
  /** The model's text of one turn. */
  text: 8_000,
  /** A tool's result or a test run's output (head and tail are kept by the recorder). */
  output: 4_000,
  /** A one-line action, a command. */
  line: 500,
  /** Files listed for one push. */
  files: 200,
} as const;

/** The longest an entry's JSON can be after `boundEntry`: what one item holds at most. */
export const MAX_ENTRY_CHARS =
  ENTRY_LIMITS.text + ENTRY_LIMITS.output + 2 * ENTRY_LIMITS.line + ENTRY_LIMITS.files * 300 + 1_000;

/**
 * The entry with every text cut to its limit (a cut says so). Texts are cut before they are
 * stored, so a reader never meets an entry larger than MAX_ENTRY_CHARS.
 */
export function boundEntry(entry: SessionEntry): SessionEntry {
  const line = (text: string) => truncateText(text, ENTRY_LIMITS.line);
  switch (entry.kind) {
    case 'turn':
      return { ...entry, text: truncateText(entry.text, ENTRY_LIMITS.text) };
    case 'tool':
      return {
        ...entry,
        tool: line(entry.tool),
        action: line(entry.action),
        result: keepHeadAndTail(entry.result, ENTRY_LIMITS.output),
      };
    case 'message':
      return {
        ...entry,
        text: truncateText(entry.text, ENTRY_LIMITS.text),
        ...(entry.author !== undefined ? { author: line(entry.author) } : {}),
      };
    case 'verify':
      return {
        ...entry,
        command: line(entry.command),
        output: keepHeadAndTail(entry.output, ENTRY_LIMITS.output),
      };
    case 'push': {
      const files = entry.files.slice(0, ENTRY_LIMITS.files).map((f) => truncateText(f, 300));
      const more = entry.files.length - files.length;
      return {
        ...entry,
        branch: line(entry.branch),
        files: more > 0 ? [...files, `… and ${more} more`] : files,
      };
    }
  }
}

/**
 * `text` within `maxChars`: its beginning and its end (where a failing test says why), the middle
 * replaced by a note of how much was left out.
 */
export function keepHeadAndTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const note = (n: number) => `\n[… ${n.toLocaleString('en-US')} characters left out …]\n`;
  const room = Math.max(0, maxChars - note(text.length).length);
  const head = Math.floor(room / 3);
  const tail = room - head;
  return `${text.slice(0, head)}${note(text.length - head - tail)}${text.slice(text.length - tail)}`;
}
