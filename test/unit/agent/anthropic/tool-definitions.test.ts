import { describe, expect, it } from 'vitest';
import { anthropicTools, toolDefinition } from '../../../../agent-task/agent/anthropic/tool-definitions.js';
import type { AgentTool, ToolSpec } from '../../../../agent-task/agent/port.js';

const tool = (name: string, spec: ToolSpec): AgentTool => ({
  name,
  spec,
  run: async () => ({ content: '', isError: false }),
});

describe('Anthropic tool definitions', () => {
  it('sends the shell as Anthropic’s bash tool and the editor as its text editor', () => {
    expect(toolDefinition(tool('bash', { kind: 'shell' }))).toEqual({ type: 'bash_20250124', name: 'bash' });
    expect(toolDefinition(tool('editor', { kind: 'editor' }))).toEqual({
      type: 'text_editor_20250728',
      name: 'str_replace_based_edit_tool',
    });
    expect(toolDefinition(tool('editor', { kind: 'editor', maxCharacters: 60 }))).toEqual({
      type: 'text_editor_20250728',
      name: 'str_replace_based_edit_tool',
      max_characters: 60,
    });
  });

  it('sends a function tool with its name, description and input schema', () => {
    const inputSchema = {
      type: 'object' as const,
      properties: { url: { type: 'string' } },
      required: ['url'],
    };
    expect(
      toolDefinition(
        tool('mcp__browser__open', { kind: 'function', description: 'Open a page.', inputSchema }),
      ),
    ).toEqual({ name: 'mcp__browser__open', description: 'Open a page.', input_schema: inputSchema });
  });

  it('finds each tool by the name the model calls it', () => {
    const bash = tool('bash', { kind: 'shell' });
    const editor = tool('editor', { kind: 'editor' });
    const { definitions, byName } = anthropicTools([bash, editor]);
    expect(definitions.map((d) => d.name)).toEqual(['bash', 'str_replace_based_edit_tool']);
    expect(byName.get('str_replace_based_edit_tool')).toBe(editor);
    expect(byName.get('bash')).toBe(bash);
  });
});
