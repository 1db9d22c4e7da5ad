// Request validation, as the real API does it: each check returns the 400 message, or undefined.
import { BASH_TOOL, EDITOR_TOOL } from './steps.js';
import type { InBlock, InMessage, InTool, ReplyStep, RequestBody } from './types.js';

export const MAX_CACHE_BREAKPOINTS = 4;

const CREATE_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'stream',
  'metadata',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'thinking',
  'cache_control',
  'container',
  'context_management',
  'mcp_servers',
  'output_config',
  'output_format',
  'service_tier',
  'speed',
  'inference_geo',
  'diagnostics',
  'compaction',
  'fallbacks',
  'fallback_credit_token',
  'billing_policy',
  'thread',
]);
const COUNT_FIELDS = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'cache_control',
  'output_config',
  'output_format',
  'speed',
  'context_management',
  'mcp_servers',
]);

/** Server tool types whose name is fixed. */
const FIXED_TOOL_NAMES: Record<string, string> = {
  bash_20250124: BASH_TOOL,
  bash_20241022: BASH_TOOL,
  text_editor_20250728: EDITOR_TOOL,
  text_editor_20250429: EDITOR_TOOL,
  text_editor_20250124: 'str_replace_editor',
  text_editor_20241022: 'str_replace_editor',
};
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blocksOf(message: InMessage): InBlock[] {
  return typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
}

/** Validates a `/v1/messages` (or, with `countTokens`, a `/v1/messages/count_tokens`) body. */
export function validateRequest(body: unknown, countTokens = false): string | undefined {
  if (!isObject(body)) return 'Request body must be a JSON object';
  for (const key of Object.keys(body)) {
    if (!(countTokens ? COUNT_FIELDS : CREATE_FIELDS).has(key))
      return `${key}: Extra inputs are not permitted`;
  }
  if (typeof body['model'] !== 'string' || body['model'] === '') return 'model: Field required';
  if (!countTokens) {
    const maxTokens = body['max_tokens'];
    if (maxTokens === undefined) return 'max_tokens: Field required';
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      return 'max_tokens: Input should be a positive integer';
    }
  }
  return (
    validateSystem(body['system']) ??
    validateTools(body['tools'], body['tool_choice']) ??
    validateMessages(body['messages']) ??
    validateCacheControl(body as RequestBody)
  );
}

function validateSystem(system: unknown): string | undefined {
  if (system === undefined || typeof system === 'string') return undefined;
  if (!Array.isArray(system)) return 'system: Input should be a valid string or list of text blocks';
  for (const [i, block] of system.entries()) {
    if (!isObject(block) || block['type'] !== 'text' || typeof block['text'] !== 'string') {
      return `system.${i}: Input should be a text block`;
    }
    if (block['text'] === '') return `system.${i}: text content blocks must be non-empty`;
  }
  return undefined;
}

function validateTools(tools: unknown, toolChoice: unknown): string | undefined {
  if (tools !== undefined && !Array.isArray(tools)) return 'tools: Input should be a valid list';
  const names = new Set<string>();
  for (const [i, tool] of ((tools ?? []) as unknown[]).entries()) {
    if (!isObject(tool)) return `tools.${i}: Input should be an object`;
    const { name, type } = tool as InTool;
    if (typeof name !== 'string' || name === '') return `tools.${i}.name: Field required`;
    if (!TOOL_NAME.test(name)) return `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    if (names.has(name)) return `tools: Tool names must be unique. Duplicate name: ${name}`;
    names.add(name);
    if (type === undefined || type === 'custom') {
      if (!isObject(tool['input_schema'])) return `tools.${i}.input_schema: Field required`;
      if (tool['input_schema']['type'] !== 'object') {
        return `tools.${i}.input_schema.type: Input should be 'object'`;
      }
    } else if (typeof type !== 'string') {
      return `tools.${i}.type: Input should be a string`;
    } else if (FIXED_TOOL_NAMES[type] !== undefined && FIXED_TOOL_NAMES[type] !== name) {
      return `tools.${i}.name: Input should be '${FIXED_TOOL_NAMES[type]}' for tool type '${type}'`;
    }
  }
  if (toolChoice !== undefined) {
    if (!isObject(toolChoice)) return 'tool_choice: Input should be an object';
    const { type, name } = toolChoice;
    if (!['auto', 'any', 'tool', 'none'].includes(String(type))) {
      return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
    }
    if (type === 'tool' && !names.has(String(name))) {
      return `tool_choice: Tool '${String(name)}' not found in tools`;
    }
    if ((type === 'tool' || type === 'any') && names.size === 0) {
      return `tool_choice: tool_choice.type '${type}' requires tools to be provided`;
    }
  }
  return undefined;
}

function validateMessages(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return 'messages: Field required';
  if (messages.length === 0) return 'messages: at least one message is required';
  for (const [i, message] of messages.entries()) {
    if (!isObject(message)) return `messages.${i}: Input should be an object`;
    const { role, content } = message;
    if (role !== 'user' && role !== 'assistant') {
      return `messages.${i}.role: Input should be 'user' or 'assistant' (put system prompts in the top-level system parameter)`;
    }
    if (typeof content !== 'string' && !Array.isArray(content)) {
      return `messages.${i}.content: Input should be a valid string or list of content blocks`;
    }
    const isFinalAssistant = i === messages.length - 1 && role === 'assistant';
    if (!isFinalAssistant && (content === '' || (Array.isArray(content) && content.length === 0))) {
      return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
    }
    if (i === 0 && role !== 'user') return 'messages: first message must use the "user" role';
    const previous = messages[i - 1] as InMessage | undefined;
    if (previous && previous.role === role) {
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${role}" roles in a row (messages.${i - 1} and messages.${i})`;
    }
    const problem = validateBlocks(message as unknown as InMessage, i);
    if (problem) return problem;
  }
  return validateToolPairing(messages as InMessage[]);
}

function validateBlocks(message: InMessage, i: number): string | undefined {
  for (const [j, block] of blocksOf(message).entries()) {
    const at = `messages.${i}.content.${j}`;
    if (!isObject(block) || typeof block.type !== 'string') return `${at}: Input should be a content block`;
    if (block.type === 'text' && (typeof block.text !== 'string' || block.text === '')) {
      if (typeof message.content !== 'string') return `${at}: text content blocks must be non-empty`;
    }
    if (block.type === 'tool_use') {
      if (message.role !== 'assistant') return `${at}: tool_use blocks can only be in assistant messages`;
      if (typeof block.id !== 'string' || typeof block.name !== 'string' || !isObject(block.input)) {
        return `${at}: tool_use blocks need an id, a name and an object input`;
      }
    }
    if (block.type === 'tool_result') {
      if (message.role !== 'user') return `${at}: tool_result blocks can only be in user messages`;
      if (typeof block.tool_use_id !== 'string') return `${at}.tool_use_id: Field required`;
    }
  }
  return undefined;
}

/** Each tool_use is answered in the next user message, whose tool_results come first and answer the previous assistant message. */
function validateToolPairing(messages: InMessage[]): string | undefined {
  const seenIds = new Set<string>();
  for (const [i, message] of messages.entries()) {
    const blocks = blocksOf(message);
    if (message.role === 'assistant') {
      const ids = blocks.flatMap((b) => (b.type === 'tool_use' ? [String(b.id)] : []));
      for (const id of ids) {
        if (seenIds.has(id)) return `messages.${i}: \`tool_use\` ids must be unique. Duplicate id: ${id}`;
        seenIds.add(id);
      }
      const next = messages[i + 1];
      const answered = new Set(
        next ? blocksOf(next).flatMap((b) => (b.type === 'tool_result' ? [String(b.tool_use_id)] : [])) : [],
      );
      const missing = ids.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
      continue;
    }
    const previous = messages[i - 1];
    const asked = new Set(
      previous ? blocksOf(previous).flatMap((b) => (b.type === 'tool_use' ? [String(b.id)] : [])) : [],
    );
    let othersSeen = false;
    for (const [j, block] of blocks.entries()) {
      if (block.type !== 'tool_result') {
        othersSeen = true;
        continue;
      }
      if (othersSeen) {
        return `messages.${i}.content.${j}: \`tool_result\` blocks must come first in the user message, before any other content`;
      }
      if (!asked.has(String(block.tool_use_id))) {
        return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(block.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
  }
  return undefined;
}

function validateCacheControl(body: RequestBody): string | undefined {
  const found: unknown[] = [];
  const visit = (item: unknown): void => {
    if (!isObject(item)) return;
    if (item['cache_control'] != null) found.push(item['cache_control']);
    if (Array.isArray(item['content'])) item['content'].forEach(visit);
  };
  (body.tools ?? []).forEach(visit);
  if (Array.isArray(body.system)) body.system.forEach(visit);
  for (const message of body.messages) if (Array.isArray(message.content)) message.content.forEach(visit);
  if (body.cache_control != null) found.push(body.cache_control);
  for (const control of found) {
    if (!isObject(control) || control['type'] !== 'ephemeral')
      return "cache_control.type: Input should be 'ephemeral'";
    if (control['ttl'] !== undefined && control['ttl'] !== '5m' && control['ttl'] !== '1h') {
      return "cache_control.ttl: Input should be '5m' or '1h'";
    }
  }
  if (found.length > MAX_CACHE_BREAKPOINTS) {
    return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${found.length}.`;
  }
  return undefined;
}

/** A scripted tool_use must name a tool of the request; returns the script error, if any. */
export function checkReplyTools(step: ReplyStep, body: RequestBody): string | undefined {
  const names = new Set((body.tools ?? []).map((t) => t.name));
  for (const block of step.content) {
    if (block.type === 'tool_use' && !names.has(block.name)) {
      const offered = [...names].join(', ') || 'none';
      return `scripted tool_use names tool '${block.name}', which the request does not offer (tools: ${offered})`;
    }
  }
  return undefined;
}
