import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import {
  CLEARED_MARKER,
  clearOldToolResults,
} from '../../../../agent-task/agent/anthropic/clear-tool-results.js';

function conversation(turns: number): MessageParam[] {
  const messages: MessageParam[] = [{ role: 'user', content: 'Fix it.' }];
  for (let i = 0; i < turns; i++) {
    messages.push({
      role: 'assistant',
      content: [{ type: 'tool_use', id: `t${i}`, name: 'bash', input: { command: `c${i}` } }],
    });
    messages.push({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: `output ${i}` }],
    });
  }
  return messages;
}

function results(messages: MessageParam[]): unknown[] {
  return messages.flatMap((m) =>
    typeof m.content === 'string'
      ? []
      : m.content.flatMap((b) => (b.type === 'tool_result' ? [b.content] : [])),
  );
}

describe('clearOldToolResults', () => {
  it('clears all but the newest few, keeping every tool_use answered', () => {
    const messages = conversation(5);
    const original = messages.slice();
    expect(clearOldToolResults(messages, 3)).toBe(2);
    expect(results(messages)).toEqual([CLEARED_MARKER, CLEARED_MARKER, 'output 2', 'output 3', 'output 4']);
    // The old message objects are left as they were (they may be shared).
    expect(results(original)).toEqual(['output 0', 'output 1', 'output 2', 'output 3', 'output 4']);
    expect(messages[1]).toBe(original[1]);
  });

  it('clears nothing more the second time, and everything with keep 0', () => {
    const messages = conversation(4);
    expect(clearOldToolResults(messages, 3)).toBe(1);
    expect(clearOldToolResults(messages, 3)).toBe(0);
    expect(clearOldToolResults(messages, 0)).toBe(3);
    expect(clearOldToolResults(messages, 0)).toBe(0);
    expect(results(messages)).toEqual(Array(4).fill(CLEARED_MARKER));
  });

  it('keeps is_error and the tool_use_id', () => {
    const messages: MessageParam[] = [
      { role: 'user', content: 'Fix it.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'bash', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'boom', is_error: true }] },
    ];
    clearOldToolResults(messages, 0);
    expect(messages[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'a', content: CLEARED_MARKER, is_error: true },
    ]);
  });
});
