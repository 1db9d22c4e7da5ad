/**
 * The session log on a task's page: the same blocks as the check run and the terminal, as HTML.
 * Every text from the model, a tool or the repository is escaped; nothing is rendered as Markdown.
 */
import {
  type SessionBlock,
  messageHeading,
  pushHeading,
  sessionBlocks,
  toolLine,
  turnHeading,
  verifyHeading,
} from '../session-log/blocks.js';
import type { SessionEntry } from '../session-log/entries.js';
import { escapeHtml } from './html.js';

function output(label: string, text: string): string {
  return text.trim()
    ? `<details><summary>${escapeHtml(label)}</summary><pre>${escapeHtml(text)}</pre></details>`
    : '';
}

function block(b: SessionBlock): string {
  switch (b.kind) {
    case 'turn': {
      const parts = [`<h3>${escapeHtml(turnHeading(b))}</h3>`];
      for (const m of b.messages)
        parts.push(
          `<p class="who">${escapeHtml(messageHeading(m))}</p><blockquote><pre>${escapeHtml(m.text.trim())}</pre></blockquote>`,
        );
      if (b.reply?.text.trim())
        parts.push(`<blockquote><pre>${escapeHtml(b.reply.text.trim())}</pre></blockquote>`);
      if (b.tools.length) {
        const items = b.tools.map(
          (t) =>
            `<li class="${t.isError ? 'failed' : 'ok'}"><code>${escapeHtml(toolLine(t))}</code>${output('result', t.result)}</li>`,
        );
        parts.push(`<ul class="tools">${items.join('')}</ul>`);
      }
      return `<section class="turn">${parts.join('')}</section>`;
    }
    case 'verify':
      return `<section class="verify verify-${escapeHtml(b.entry.outcome)}"><h3>${escapeHtml(verifyHeading(b.entry))}</h3>${output('output', b.entry.output)}</section>`;
    case 'push': {
      const files = b.entry.files.map((f) => `<li><code>${escapeHtml(f)}</code></li>`).join('');
      return `<section class="push"><h3>${escapeHtml(pushHeading(b.entry))}</h3>${files ? `<ul>${files}</ul>` : ''}</section>`;
    }
  }
}

/** The log's HTML: every block, oldest first. */
export function renderSessionHtml(entries: readonly SessionEntry[]): string {
  const blocks = sessionBlocks(entries);
  if (blocks.length === 0) return '<p class="empty">No turns yet.</p>';
  return `<div class="session">${blocks.map(block).join('\n')}</div>`;
}

export const SESSION_CSS = `
.session h3 { font-size: 1rem; margin: 1.1rem 0 .35rem; }
.session blockquote { margin: .35rem 0; padding: 0 .75rem; border-left: .25rem solid #d1d9e0; color: #1f2328; }
.session .who { margin: .35rem 0 0; font-weight: 600; }
.session ul.tools { margin: .35rem 0; padding-left: 1.25rem; }
.session li.failed > code { background: #ffebe9; }
.session details pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; }
.verify-failed h3 { color: #cf222e; } .verify-passed h3 { color: #1a7f37; }
`;
