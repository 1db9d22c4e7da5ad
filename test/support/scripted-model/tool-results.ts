// The tool_result blocks of a request, flattened for dynamic steps and assertions.
import type { InBlock, InMessage, RecordedRequest, ToolResult } from './types.js';

function blocksOf(message: InMessage | undefined): InBlock[] {
  if (!message || typeof message.content === 'string') return [];
  return Array.isArray(message.content) ? message.content : [];
}

/** The tool_results of the request's last message, each with the name and input of the tool_use it answers. */
export function toolResultsOf(request: RecordedRequest): ToolResult[] {
  const messages = Array.isArray(request.body.messages) ? request.body.messages : [];
  const uses = new Map(
    blocksOf(messages.at(-2))
      .filter((b) => b.type === 'tool_use')
      .map((b) => [b.id, b]),
  );
  return blocksOf(messages.at(-1))
    .filter((b) => b.type === 'tool_result')
    .map((b) => {
      const use = uses.get(b.tool_use_id);
      return {
        tool_use_id: String(b.tool_use_id),
        name: use?.name,
        input: use?.input,
        is_error: b.is_error === true,
        text: textOf(b.content),
        content: b.content,
      };
    });
}

function textOf(content: string | InBlock[] | undefined): string {
  if (typeof content === 'string') return content;
  return (content ?? []).flatMap((b) => (b.type === 'text' ? [String(b.text ?? '')] : [])).join('\n');
}
