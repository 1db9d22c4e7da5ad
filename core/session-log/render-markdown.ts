/**
 * The session log as the check run's output `text` shows it: a turn-by-turn Markdown log within
 * GitHub's limit, the newest turns kept and a note saying how many earlier ones were left out and
 * where the whole log is. Everything the model or a tool wrote is shown as literal text: the
 * model's words escaped in a quote, tool output in a fence longer than any backtick run inside, so
 * no reply can open a fence, an HTML tag or a heading that swallows the rest of the log.
 */
import { codeBlock } from '../report.js';
import type { SessionEntry } from './entries.js';
import {
  type FullLogPointer,
  type SessionBlock,
  fullLogNote,
  messageHeading,
  pushHeading,
  sessionBlocks,
  shownOutput,
  toolLine,
  turnCount,
  turnHeading,
  verifyHeading,
} from './blocks.js';

/** GitHub refuses a check run output `text` longer than this. */
export const GITHUB_TEXT_LIMIT = 65_535;
/** What the log may take of it: room for redaction's `[REDACTED]` being longer than what it hides. */
export const CHECK_RUN_LOG_CHARS = 60_000;

const TITLE = '## Session log';

/** Characters that would be Markdown or HTML, each made literal with a backslash. */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]<>()#+\-.!|~&=:]/g;

/** One line of text, literal. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(MARKDOWN_SPECIAL, '\\$&');
}

/** Untrusted prose as a Markdown quote of literal text, line breaks kept. */
export function quoteLiteral(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split('\n')
    .map((line) => (line.trim() ? `> ${line.replace(MARKDOWN_SPECIAL, '\\$&')}  ` : '>'))
    .join('\n');
}

/** One line as inline code, whatever backticks it holds. */
export function inlineCode(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const pad = line.startsWith('`') || line.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${line}${pad}${ticks}`;
}

function folded(summary: string, text: string): string {
  if (!text.trim()) return '';
  return `\n\n<details><summary>${summary}</summary>\n\n${codeBlock(shownOutput(text))}\n\n</details>`;
}

function renderBlock(block: SessionBlock): string {
  switch (block.kind) {
    case 'turn': {
      const parts = [`### ${escapeMarkdown(turnHeading(block))}`];
      for (const m of block.messages)
        parts.push(`**${escapeMarkdown(messageHeading(m))}**\n\n${quoteLiteral(m.text)}`);
      if (block.reply?.text.trim()) parts.push(quoteLiteral(block.reply.text));
      for (const t of block.tools) parts.push(`- ${inlineCode(toolLine(t))}${folded('result', t.result)}`);
      return parts.join('\n\n');
    }
    case 'verify':
      return `### ${escapeMarkdown(verifyHeading(block.entry))}${folded('output', block.entry.output)}`;
    case 'push': {
      const files = block.entry.files.map((f) => `- ${inlineCode(f)}`).join('\n');
      return `### ${escapeMarkdown(pushHeading(block.entry))}${files ? `\n\n${files}` : ''}`;
    }
  }
}

/**
 * The log in at most `maxChars` characters: whole blocks, newest first, until the next would not
 * fit; then the note. A single block larger than the whole budget is cut.
 */
export function renderSessionMarkdown(
  entries: readonly SessionEntry[],
  pointer: FullLogPointer,
  maxChars = CHECK_RUN_LOG_CHARS,
): string {
  const blocks = sessionBlocks(entries);
  if (blocks.length === 0) return '';
  const rendered = blocks.map(renderBlock);
  // The note's length depends only on the count's digits: reserve the longest it can be.
  const noteRoom = `\n\n_${fullLogNote(turnCount(blocks), pointer)}_`.length;
  const budget = maxChars - TITLE.length - noteRoom;
  let used = 0;
  let first = rendered.length;
  while (first > 0) {
    const next = (rendered[first - 1] ?? '').length + 2;
    if (used + next > budget) break;
    used += next;
    first -= 1;
  }
  if (first === rendered.length) {
    // Not even the newest block fits: show its start, cut.
    const newest = (rendered.at(-1) ?? '').slice(0, Math.max(0, budget - 40));
    return `${TITLE}\n\n_${fullLogNote(turnCount(blocks.slice(0, -1)), pointer)}_\n\n${newest}\n\n[… cut]`;
  }
  const kept = rendered.slice(first).join('\n\n');
  const left = turnCount(blocks.slice(0, first));
  const note = first > 0 ? `\n\n_${fullLogNote(left, pointer)}_` : '';
  return `${TITLE}${note}\n\n${kept}`;
}
