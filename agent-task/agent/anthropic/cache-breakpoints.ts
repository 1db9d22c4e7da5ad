/**
 * Prompt-caching breakpoints. The API caches the prompt prefix (tools, then system, then messages)
 * up to each block that carries `cache_control`, at most 4 per request. We place them on:
 *   1. the last tool definition,
 *   2. the last system block,
 *   3. the newest message (the prefix the next request will extend),
 *   4. the message that was newest in the previous request, so the next request reads it back
 *      however many blocks the turn added (the API looks back only 20 blocks from a breakpoint).
 * Tools and system are prepared once per run; message breakpoints go on copies of at most two
 * messages per request, so the stored transcript never carries a stale `cache_control`.
 */
import type {
  ContentBlockParam,
  MessageParam,
  TextBlockParam,
  ToolUnion,
} from '@anthropic-ai/sdk/resources/messages/messages';

export const MAX_BREAKPOINTS = 4;

const EPHEMERAL = { type: 'ephemeral' } as const;

/** Copies of the tool definitions: none with cache_control, except the last one when caching. */
export function prepareTools(definitions: readonly ToolUnion[], caching: boolean): ToolUnion[] {
  return definitions.map((definition, i) => {
    const { cache_control: _dropped, ...rest } = definition as ToolUnion & { cache_control?: unknown };
    return (
      caching && i === definitions.length - 1 ? { ...rest, cache_control: EPHEMERAL } : rest
    ) as ToolUnion;
  });
}

/** The system prompt's parts as text blocks (empty parts left out), the last one marked when caching. */
export function prepareSystem(parts: readonly string[], caching: boolean): TextBlockParam[] {
  const texts = parts.filter((text) => text !== '');
  return texts.map((text, i) =>
    caching && i === texts.length - 1
      ? { type: 'text', text, cache_control: EPHEMERAL }
      : { type: 'text', text },
  );
}

/**
 * The messages of a request: the transcript itself (a shallow copy of its array), with the
 * breakpoint on a copy of the newest message and, if given, of the message at `previous`.
 */
export function withMessageBreakpoints(
  transcript: readonly MessageParam[],
  previous: number | undefined,
): MessageParam[] {
  const messages = transcript.slice();
  const newest = messages.length - 1;
  mark(messages, newest);
  if (previous !== undefined && previous >= 0 && previous < newest) mark(messages, previous);
  return messages;
}

function mark(messages: MessageParam[], index: number): void {
  const message = messages[index];
  if (!message || message.role === 'system') return;
  if (typeof message.content === 'string') {
    if (message.content === '') return;
    messages[index] = {
      ...message,
      content: [{ type: 'text', text: message.content, cache_control: EPHEMERAL }],
    };
    return;
  }
  // Thinking blocks cannot carry cache_control; the last block that can takes the breakpoint.
  for (let i = message.content.length - 1; i >= 0; i--) {
    const block = message.content[i];
    if (!block || !acceptsCacheControl(block)) continue;
    const content = message.content.slice();
    content[i] = { ...block, cache_control: EPHEMERAL } as ContentBlockParam;
    messages[index] = { ...message, content };
    return;
  }
}

function acceptsCacheControl(block: ContentBlockParam): boolean {
  return block.type !== 'thinking' && block.type !== 'redacted_thinking';
}
