import type { MessageParam, ToolUnion } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import {
  prepareSystem,
  prepareTools,
  withMessageBreakpoints,
} from '../../../../agent-task/agent/anthropic/cache-breakpoints.js';

const EPHEMERAL = { type: 'ephemeral' };

const tools: ToolUnion[] = [
  { type: 'bash_20250124', name: 'bash', cache_control: EPHEMERAL as never },
  { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' },
];

const transcript: MessageParam[] = [
  { role: 'user', content: 'Fix it.' },
  { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: { command: 'ls' } }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a.ts' }] },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Looking.' },
      { type: 'tool_use', id: 't2', name: 'bash', input: { command: 'cat a.ts' } },
    ],
  },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't2', content: 'x' }] },
];

describe('cache breakpoints', () => {
  it('marks only the last tool definition, and none without caching', () => {
    expect(prepareTools(tools, true).map((t) => 'cache_control' in t)).toEqual([false, true]);
    expect(prepareTools(tools, false).some((t) => 'cache_control' in t)).toBe(false);
    expect(tools[0]).toHaveProperty('cache_control'); // the input is not changed
  });

  it('makes the system parts blocks and marks only the last one', () => {
    expect(prepareSystem(['a', 'b'], true)).toEqual([
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b', cache_control: EPHEMERAL },
    ]);
    expect(prepareSystem(['hello'], true)).toEqual([
      { type: 'text', text: 'hello', cache_control: EPHEMERAL },
    ]);
    expect(prepareSystem(['a', 'b'], false)).toEqual([
      { type: 'text', text: 'a' },
      { type: 'text', text: 'b' },
    ]);
    expect(prepareSystem([''], true)).toEqual([]);
    expect(prepareSystem(['a', ''], true)).toEqual([{ type: 'text', text: 'a', cache_control: EPHEMERAL }]);
  });

  it('marks the newest message and the previous breakpoint on copies, leaving the transcript clean', () => {
    const before = JSON.stringify(transcript);
    const messages = withMessageBreakpoints(transcript, 2);
    expect(JSON.stringify(transcript)).toBe(before);
    const marked = messages.flatMap((m, i) =>
      typeof m.content === 'string'
        ? []
        : m.content.flatMap((b, j) => ('cache_control' in b && b.cache_control ? [[i, j]] : [])),
    );
    expect(marked).toEqual([
      [2, 0],
      [4, 0],
    ]);
    // Untouched messages are the same objects: no deep copies.
    expect(messages[0]).toBe(transcript[0]);
    expect(messages[3]).toBe(transcript[3]);
  });

  it('turns a string message into a marked text block, and skips a previous index that is the newest', () => {
    const messages = withMessageBreakpoints([{ role: 'user', content: 'Fix it.' }], 0);
    expect(messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Fix it.', cache_control: EPHEMERAL }] },
    ]);
  });

  it('puts the breakpoint on the last block that can carry one (not a thinking block)', () => {
    const messages = withMessageBreakpoints(
      [
        { role: 'user', content: 'Fix it.' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Searching.' },
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          ],
        },
      ],
      undefined,
    );
    expect(messages[1]?.content).toEqual([
      { type: 'text', text: 'Searching.', cache_control: EPHEMERAL },
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
    ]);
  });
});
