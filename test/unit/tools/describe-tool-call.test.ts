import { describe, expect, it } from 'vitest';
import { describeToolCall } from '../../../agent-task/tools/describe-tool-call.js';

describe('describeToolCall', () => {
  it.each([
    ['bash', { command: 'npm test' }, 'bash: npm test'],
    ['bash', { command: 'cd src &&\n  npm   run build\nnpm test' }, 'bash: cd src && …'],
    ['bash', { restart: true }, 'bash: restart'],
    ['bash', {}, 'bash: (no command)'],
    ['editor', { command: 'view', path: 'src/a.ts' }, 'view src/a.ts'],
    ['editor', { command: 'view', path: 'src/a.ts', view_range: [10, -1] }, 'view src/a.ts:10-end'],
    ['editor', { command: 'create', path: 'docs/x.md' }, 'create docs/x.md'],
    ['editor', { command: 'str_replace', path: 'src/a.ts' }, 'edit src/a.ts'],
    ['editor', { command: 'insert', path: 'a.ts', insert_line: 3 }, 'edit a.ts (insert after line 3)'],
    ['editor', { command: 'undo_edit', path: 'a.ts' }, 'editor undo_edit a.ts'],
    ['other_tool', null, 'other_tool'],
    [
      'mcp__browser__browser_navigate',
      { url: 'https://x.test/' },
      'browser: browser_navigate {"url":"https://x.test/"}',
    ],
    ['mcp__docs__list', {}, 'docs: list'],
  ])('%s %j → %s', (name, input, expected) => {
    expect(describeToolCall(name, input)).toBe(expected);
  });

  it('keeps one short line whatever the model sent', () => {
    const line = describeToolCall('bash', { command: `echo ${'x'.repeat(500)}\u0007` });
    expect(line.length).toBeLessThanOrEqual(100);
    expect(line.endsWith('…')).toBe(true);
    expect(describeToolCall('bash', { command: 'a\tb\r\nc' })).toBe('bash: a b …');
  });
});
