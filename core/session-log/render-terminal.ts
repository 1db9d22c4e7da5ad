/**
 * The session log for a terminal (`nightshift show <id> --log`): the same blocks as the check run,
 * as indented plain text; everything from the model or a tool is defused for the terminal.
 */
import { terminalSafe } from '../status/terminal-safe.js';
import type { SessionEntry } from './entries.js';
import {
  type SessionBlock,
  messageHeading,
  pushHeading,
  sessionBlocks,
  shownOutput,
  toolLine,
  turnHeading,
  verifyHeading,
} from './blocks.js';

function indent(text: string, by: number): string {
  const pad = ' '.repeat(by);
  return terminalSafe(text)
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}

const line = (text: string) => terminalSafe(text, { singleLine: true });

export function renderSessionBlock(block: SessionBlock): string {
  switch (block.kind) {
    case 'turn': {
      const parts = [line(turnHeading(block))];
      for (const m of block.messages) parts.push(`  ${line(messageHeading(m))}:`, indent(m.text.trim(), 4));
      if (block.reply?.text.trim()) parts.push(indent(block.reply.text.trim(), 2));
      for (const t of block.tools) {
        parts.push(`  $ ${line(toolLine(t))}`);
        if (t.result.trim()) parts.push(indent(shownOutput(t.result), 6));
      }
      return parts.join('\n');
    }
    case 'verify':
      return [line(verifyHeading(block.entry)), indent(shownOutput(block.entry.output), 4)].join('\n');
    case 'push':
      return [line(pushHeading(block.entry)), ...block.entry.files.map((f) => `  ${line(f)}`)].join('\n');
  }
}

export function renderSessionText(entries: readonly SessionEntry[]): string {
  const blocks = sessionBlocks(entries);
  if (blocks.length === 0) return '(no session log yet)\n';
  return `${blocks.map(renderSessionBlock).join('\n\n')}\n`;
}
