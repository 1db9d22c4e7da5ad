/**
 * Our neutral tools as the Messages API knows them: the shell as Anthropic's bash tool
 * (`bash_20250124`, which must be named `bash`), the editor as its text editor tool
 * (`text_editor_20250728`, named `str_replace_based_edit_tool`), and a function as a custom tool
 * with its description and input schema. The schemas of the first two are built into the model,
 * so only their type and name are sent.
 */
import type {
  Tool,
  ToolBash20250124,
  ToolTextEditor20250728,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { AgentTool } from '../port.js';

export const BASH_TOOL_NAME = 'bash';
export const EDITOR_TOOL_NAME = 'str_replace_based_edit_tool';

/** The client tools we send: Anthropic's bash and text editor, and custom tools. */
export type ClientToolDefinition = ToolBash20250124 | ToolTextEditor20250728 | Tool;

export function toolDefinition(tool: AgentTool): ClientToolDefinition {
  const { spec } = tool;
  switch (spec.kind) {
    case 'shell':
      return { type: 'bash_20250124', name: BASH_TOOL_NAME };
    case 'editor':
      return {
        type: 'text_editor_20250728',
        name: EDITOR_TOOL_NAME,
        ...(spec.maxCharacters === undefined ? {} : { max_characters: spec.maxCharacters }),
      };
    case 'function':
      return {
        name: tool.name,
        description: spec.description,
        input_schema: spec.inputSchema as Tool.InputSchema,
      };
  }
}

/** The definitions to send, and each tool by the name the model calls it. */
export function anthropicTools(tools: readonly AgentTool[]): {
  definitions: ClientToolDefinition[];
  byName: Map<string, AgentTool>;
} {
  const definitions = tools.map(toolDefinition);
  const byName = new Map(definitions.map((definition, i) => [definition.name, tools[i] as AgentTool]));
  return { definitions, byName };
}
