/**
 * The conversation as the Messages API takes it: appending replies and user turns so that roles
 * alternate and every `tool_use` stays answered, reading a reply's text and tokens, and the
 * opaque `AgentConversation` that carries the messages to a resumed run.
 */
import type {
  ContentBlock,
  ContentBlockParam,
  Message,
  MessageParam,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { TurnTokens } from '../agent-run.js';
import type { AgentConversation } from '../port.js';

export const BACKEND = 'anthropic';

interface AnthropicConversation extends AgentConversation {
  backend: typeof BACKEND;
  messages: MessageParam[];
}

export function conversationOf(messages: MessageParam[]): AgentConversation {
  const conversation: AnthropicConversation = { backend: BACKEND, messages };
  return conversation;
}

/** The messages of a conversation this backend made (a copy of the array); throws for another's. */
export function transcriptOf(conversation: AgentConversation): MessageParam[] {
  if (conversation.backend !== BACKEND) {
    throw new Error(`cannot resume a conversation of the "${conversation.backend}" backend`);
  }
  return (conversation as AnthropicConversation).messages.slice();
}

/** Appends user blocks; tool results go first, before anything already in the user's turn. */
export function appendUser(
  transcript: MessageParam[],
  blocks: ContentBlockParam[],
  toolResults: boolean,
): void {
  append(transcript, 'user', blocks, toolResults);
}

/** Appends user text (one block per text) after whatever the last user message holds. */
export function appendUserText(transcript: MessageParam[], texts: readonly string[]): void {
  append(
    transcript,
    'user',
    texts.map((text) => ({ type: 'text', text })),
    false,
  );
}

/** Appends the reply; a reply that continues a paused turn joins the assistant message it continues. */
export function appendAssistant(transcript: MessageParam[], content: ContentBlock[]): void {
  append(transcript, 'assistant', content as ContentBlockParam[], false);
}

/** Joins the last message if it has `role` (roles must alternate), else starts a new one. */
function append(
  transcript: MessageParam[],
  role: 'user' | 'assistant',
  blocks: ContentBlockParam[],
  first: boolean,
): void {
  const last = transcript.at(-1);
  if (last?.role !== role) {
    transcript.push({ role, content: blocks });
    return;
  }
  const existing: ContentBlockParam[] =
    typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  transcript[transcript.length - 1] = {
    role,
    content: first ? [...blocks, ...existing] : [...existing, ...blocks],
  };
}

export function tokensOf(message: Message): TurnTokens {
  const reported = message.usage;
  return {
    inputTokens: reported.input_tokens,
    outputTokens: reported.output_tokens,
    cacheReadTokens: reported.cache_read_input_tokens ?? 0,
    cacheWriteTokens: reported.cache_creation_input_tokens ?? 0,
  };
}

export function textOf(content: ContentBlock[]): string {
  return content
    .flatMap((block) => (block.type === 'text' ? [block.text.trim()] : []))
    .filter(Boolean)
    .join('\n\n');
}

export function refusalReason(message: Message): string {
  const details = message.stop_details;
  const why = details?.explanation ?? (details?.category ? `category: ${details.category}` : undefined);
  return why ? `the model declined the request (${why})` : 'the model declined the request';
}
