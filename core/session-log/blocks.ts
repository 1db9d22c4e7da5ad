/**
 * The session log as people read it, whatever the medium: entries grouped into blocks (a turn with
 * the messages that came before it and the tool calls it made; a test run; a push), and the one
 * line that heads each. The check run (render-markdown.ts), the terminal (render-terminal.ts) and
 * the task's page (core/status/render-session.ts) all show these, each escaping for its medium.
 */
import { formatTokens } from '../report.js';
import { type SessionEntry, keepHeadAndTail } from './entries.js';

type Of<K extends SessionEntry['kind']> = Extract<SessionEntry, { kind: K }>;
export type TurnEntry = Of<'turn'>;
export type ToolEntry = Of<'tool'>;
export type MessageEntry = Of<'message'>;
export type VerifyEntry = Of<'verify'>;
export type PushEntry = Of<'push'>;

export type SessionBlock =
  | { kind: 'turn'; turn: number; reply?: TurnEntry; messages: MessageEntry[]; tools: ToolEntry[] }
  | { kind: 'verify'; entry: VerifyEntry }
  | { kind: 'push'; entry: PushEntry };

/** Entries in the order they were recorded, grouped: each turn once, in the place it first shows. */
export function sessionBlocks(entries: readonly SessionEntry[]): SessionBlock[] {
  const blocks: SessionBlock[] = [];
  const turns = new Map<number, Extract<SessionBlock, { kind: 'turn' }>>();
  const turnBlock = (turn: number) => {
    let block = turns.get(turn);
    if (!block) {
      block = { kind: 'turn', turn, messages: [], tools: [] };
      turns.set(turn, block);
      blocks.push(block);
    }
    return block;
  };
  for (const entry of entries) {
    switch (entry.kind) {
      case 'turn':
        turnBlock(entry.turn).reply = entry;
        break;
      case 'tool':
        turnBlock(entry.turn).tools.push(entry);
        break;
      case 'message':
        turnBlock(entry.turn).messages.push(entry);
        break;
      case 'verify':
      case 'push':
        blocks.push({ kind: entry.kind, entry } as SessionBlock);
        break;
    }
  }
  return blocks;
}

/** A tool result or test output where a log is read at a glance: its start and its end. */
export const SHOWN_OUTPUT_CHARS = 1_200;

export function shownOutput(text: string): string {
  return keepHeadAndTail(text.replace(/\s+$/, ''), SHOWN_OUTPUT_CHARS);
}

/** How many of `blocks` are turns. */
export function turnCount(blocks: readonly SessionBlock[]): number {
  return blocks.filter((b) => b.kind === 'turn').length;
}

/** `1.2 s`, `850 ms`, `2m 05s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}

/** `Turn 3 · 12.4k tokens in, 350 out · 4.2 s` */
export function turnHeading(block: Extract<SessionBlock, { kind: 'turn' }>): string {
  const reply = block.reply;
  if (!reply) return `Turn ${block.turn}`;
  const t = reply.tokens;
  const input = t.input + t.cacheRead + t.cacheWrite;
  return `Turn ${block.turn} · ${formatTokens(input)} tokens in, ${formatTokens(t.output)} out · ${formatMs(reply.durationMs)}`;
}

/** `bash: npm test · 1.2 s · failed` */
export function toolLine(entry: ToolEntry): string {
  return `${entry.action} · ${formatMs(entry.durationMs)}${entry.isError ? ' · failed' : ''}`;
}

/** `Message from @alice` */
export function messageHeading(entry: MessageEntry): string {
  return entry.author ? `Message from @${entry.author}` : 'Message';
}

const VERIFY_WORDS: Record<VerifyEntry['outcome'], string> = {
  passed: 'passed',
  failed: 'failed',
  stopped: 'stopped (out of time)',
};

/** `Tests (round 1): npm test passed · 3.1 s` */
export function verifyHeading(entry: VerifyEntry): string {
  const exit = entry.outcome === 'failed' && entry.exitCode !== undefined ? ` (exit ${entry.exitCode})` : '';
  return `Tests (round ${entry.round}): ${entry.command} ${VERIFY_WORDS[entry.outcome]}${exit} · ${formatMs(entry.durationMs)}`;
}

/** `Pushed 1a2b3c4 to nightshift/issue-7 · 2 files` */
export function pushHeading(entry: PushEntry): string {
  const n = entry.files.length;
  return `Pushed ${entry.sha.slice(0, 7)} to ${entry.branch} · ${n} file${n === 1 ? '' : 's'}`;
}

/** Where the whole log is, for a view that shows only its newest part. */
export interface FullLogPointer {
  taskId: string;
  /** The task's page, when the deployment has a public address for it. */
  pageUrl?: string;
}

export function fullLogNote(left: number, pointer: FullLogPointer): string {
  const where = pointer.pageUrl ? `${pointer.pageUrl} or ` : '';
  return `${left} earlier turn${left === 1 ? ' is' : 's are'} left out here; the whole log: ${where}\`nightshift show ${pointer.taskId} --log\``;
}
