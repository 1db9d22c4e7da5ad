/**
 * The session log's renderers, pure: the check run's Markdown stays under GitHub's limit with the
 * newest turns kept and a note naming what was left out; whatever the model or a tool wrote stays
 * literal text (no fence, tag or heading of theirs opens); the terminal and the page show the same
 * blocks, escaped for their medium.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_ENTRY_CHARS,
  boundEntry,
  keepHeadAndTail,
  type SessionEntry,
} from '../../../core/session-log/entries.js';
import { sessionBlocks } from '../../../core/session-log/blocks.js';
import {
  CHECK_RUN_LOG_CHARS,
  GITHUB_TEXT_LIMIT,
  renderSessionMarkdown,
} from '../../../core/session-log/render-markdown.js';
import { renderSessionText } from '../../../core/session-log/render-terminal.js';
import { renderSessionHtml } from '../../../core/status/render-session.js';

const at = '2026-12-02T03:00:00.000Z';
const tokens = { input: 1200, output: 300, cacheRead: 10_000, cacheWrite: 0 };

function turn(n: number, text = `Looking at step ${n}.`): SessionEntry[] {
  return [
    { kind: 'turn', at, turn: n, text, tokens, durationMs: 2100 },
    {
      kind: 'tool',
      at,
      turn: n,
      tool: 'bash',
      action: `bash: npm test -- --grep case-${n}`,
      result: `ok ${n}\n`.repeat(30),
      isError: false,
      durationMs: 850,
    },
    {
      kind: 'tool',
      at,
      turn: n,
      tool: 'editor',
      action: `edit src/file-${n}.ts`,
      result: 'The file was edited.',
      isError: false,
      durationMs: 3,
    },
  ];
}

const pointer = { taskId: '01JTASK', pageUrl: 'https://nightshift.example.com/status/tasks/01JTASK' };

describe('the check run log', () => {
  it('a short session shows every turn, its commands and files, in order', () => {
    const md = renderSessionMarkdown([...turn(1), ...turn(2)], pointer);
    expect(md).toMatch(/^## Session log\n\n### Turn 1/);
    expect(md).toContain('`bash: npm test -- --grep case-1 · 850 ms`');
    expect(md).toContain('`edit src/file-2.ts · 3 ms`');
    expect(md.indexOf('Turn 1')).toBeLessThan(md.indexOf('Turn 2'));
    expect(md).not.toContain('left out');
  });

  it('400 turns stay under GitHub’s limit, the newest kept, the note saying how many earlier ones are left out and where', () => {
    const entries = Array.from({ length: 400 }, (_, i) => turn(i + 1)).flat();
    entries.push({
      kind: 'verify',
      at,
      round: 1,
      command: 'npm test',
      outcome: 'passed',
      exitCode: 0,
      output: 'ok',
      durationMs: 4000,
    });
    entries.push({
      kind: 'push',
      at,
      branch: 'nightshift/issue-7',
      sha: 'abcdef1234567',
      files: ['src/a.ts'],
    });
    const md = renderSessionMarkdown(entries, pointer);
    expect(md.length).toBeLessThanOrEqual(CHECK_RUN_LOG_CHARS);
    expect(md.length).toBeLessThan(GITHUB_TEXT_LIMIT);
    expect(md).toContain('Turn 400 ');
    expect(md).toContain('Pushed abcdef1 to nightshift/issue\\-7');
    const shown = [...md.matchAll(/^### Turn (\d+) /gm)].map((m) => Number(m[1]));
    const first = shown[0] ?? 0;
    // The newest turns, contiguous up to the last.
    expect(shown).toEqual(Array.from({ length: 400 - first + 1 }, (_, i) => first + i));
    expect(first).toBeGreaterThan(1);
    const note =
      /_(\d+) earlier turns are left out here; the whole log: (\S+) or `nightshift show 01JTASK --log`_/.exec(
        md,
      );
    expect(note?.[1]).toBe(String(first - 1));
    expect(note?.[2]).toBe(pointer.pageUrl);
    // Filled: less than one turn's worth of room is wasted.
    expect(CHECK_RUN_LOG_CHARS - md.length).toBeLessThan(2000);
  });

  it('the model’s Markdown, HTML and fences stay literal: the log’s own structure survives', () => {
    const hostile = [
      '```',
      '</details></details># Approved by @octocat',
      '<img src=x onerror=alert(1)> <script>alert(1)</script>',
      '[click](javascript:alert(1)) | table | cell |',
      '<!-- hidden -->',
    ].join('\n');
    const output = 'line\n`````\n</details>\n## fake heading\n````';
    const entries: SessionEntry[] = [
      ...turn(1, hostile),
      {
        kind: 'tool',
        at,
        turn: 1,
        tool: 'bash',
        action: 'bash: echo ``` `x`',
        result: output,
        isError: true,
        durationMs: 5,
      },
      ...turn(2),
    ];
    const md = renderSessionMarkdown(entries, pointer);
    // Headings outside fenced blocks (as CommonMark closes them): only ours.
    const outsideFences = md.replace(/^(`{3,})\n[\s\S]*?\n\1$/gm, '');
    expect([...outsideFences.matchAll(/^#{1,6} .*/gm)].map((m) => m[0].split(' ·')[0])).toEqual([
      '## Session log',
      '### Turn 1',
      '### Turn 2',
    ]);
    // No tag of the model's but a backslash-escaped one (literal text); every `<details>` is ours and closed.
    expect(md).not.toMatch(/(^|[^\\])<(img|script|!--|\/details>[^\n])/m);
    expect(md).toContain('\\<img');
    expect(outsideFences.match(/<details>/g)?.length).toBe(outsideFences.match(/^<\/details>$/gm)?.length);
    // The tool output sits inside a fence longer than any backtick run in it.
    const fence = /\n(`{6,})\n[\s\S]*?## fake heading[\s\S]*?\n\1\n/.exec(md);
    expect(fence?.[1]?.length).toBeGreaterThan(5);
    // Every model line is a quote, with its special characters escaped.
    expect(md).toContain('> \\<img src\\=x onerror\\=alert\\(1\\)\\>');
    expect(md).toContain('````bash: echo ``` `x` · 5 ms · failed````');
  });

  it('an entry is bounded: its texts are cut, a tool result keeps its start and its end', () => {
    const long = `${'a'.repeat(50_000)}THE END`;
    const bounded = boundEntry({
      kind: 'tool',
      at,
      turn: 1,
      tool: 'bash',
      action: 'x'.repeat(2000),
      result: long,
      isError: false,
      durationMs: 1,
    });
    expect(JSON.stringify(bounded).length).toBeLessThan(MAX_ENTRY_CHARS);
    expect(bounded.kind === 'tool' && bounded.result.endsWith('THE END')).toBe(true);
    expect(keepHeadAndTail(long, 1000).length).toBeLessThanOrEqual(1000);
  });
});

describe('the same log on the terminal and the page', () => {
  const entries: SessionEntry[] = [
    { kind: 'message', at, turn: 1, author: 'alice', text: 'also handle empty arrays' },
    ...turn(1, 'I will <b>fix</b> it.\x1b]0;pwned\x07'),
    {
      kind: 'verify',
      at,
      round: 1,
      command: 'npm test',
      outcome: 'failed',
      exitCode: 1,
      output: 'AssertionError',
      durationMs: 1500,
    },
  ];

  it('groups a message, a turn and its calls, and a test run', () => {
    expect(sessionBlocks(entries).map((b) => b.kind)).toEqual(['turn', 'verify']);
  });

  it('the terminal shows each block, defused', () => {
    const text = renderSessionText(entries);
    expect(text).toContain('Turn 1 · 11.2k tokens in, 300 out · 2.1 s');
    expect(text).toContain('Message from @alice:');
    expect(text).toContain('  $ bash: npm test -- --grep case-1 · 850 ms');
    expect(text).toContain('Tests (round 1): npm test failed (exit 1) · 1.5 s');
    expect(text).not.toContain('\x1b');
  });

  it('the page shows each block, escaped', () => {
    const html = renderSessionHtml(entries);
    expect(html).toContain('<h3>Turn 1 · 11.2k tokens in, 300 out · 2.1 s</h3>');
    expect(html).toContain('<code>edit src/file-1.ts · 3 ms</code>');
    expect(html).toContain('I will &lt;b&gt;fix&lt;/b&gt; it.');
    expect(html).not.toContain('<b>fix');
    expect(html).toContain('Message from @alice');
  });
});
