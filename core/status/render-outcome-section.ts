/**
 * The status page's outcome section: per repository and per person over the last 30 days, what
 * the work cost and what became of it (outcome-stats.ts). Every value is escaped.
 */
import { escapeHtml } from './html.js';
import { OUTCOME_HEADERS, outcomeCells } from './outcome-cells.js';
import type { OutcomeLine, OutcomeStats } from './outcome-stats.js';

function table(caption: string, keyHeader: string, lines: readonly OutcomeLine[]): string {
  if (lines.length === 0) return `<h3>${caption}</h3><p class="empty">Nothing in the last 30 days.</p>`;
  const head = `<tr><th>${keyHeader}</th>${OUTCOME_HEADERS.map((h, i) => `<th${i > 0 ? ' class="num"' : ''}>${h}</th>`).join('')}</tr>`;
  const body = lines
    .map(
      (line) =>
        `<tr><td>${escapeHtml(line.key)}</td>${outcomeCells(line)
          .map((cell, i) => `<td${i > 0 ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return `<h3>${caption}</h3><div class="scroll"><table class="outcomes"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

export function renderOutcomeSection(stats: OutcomeStats): string {
  return `<h2>Outcomes (last 30 days)</h2>
<p class="meta">Pull requests Nightshift opened and what became of them; the merge rate counts those merged or closed. Per person, tasks and spend count for who asked, pull requests for their responsible engineer.</p>
${table('Per repository', 'Repository', stats.byRepository)}
${table('Per person', 'Person', stats.byEngineer)}`;
}
