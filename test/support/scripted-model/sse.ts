// The streaming event sequence of a message, as the API sends it over server-sent events.
import type { OutBlock } from './steps.js';
import type { ApiMessage } from './respond.js';

export interface SseEvent {
  event: string;
  data: unknown;
}

const TEXT_CHUNK = 24;
const JSON_CHUNK = 12;

function chunks(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

function blockEvents(block: OutBlock, index: number): SseEvent[] {
  if (block.type === 'text') {
    return [
      {
        event: 'content_block_start',
        data: { type: 'content_block_start', index, content_block: { ...block, text: '' } },
      },
      ...chunks(block.text, TEXT_CHUNK).map((t) => ({
        event: 'content_block_delta',
        data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } },
      })),
      { event: 'content_block_stop', data: { type: 'content_block_stop', index } },
    ];
  }
  const json = JSON.stringify(block.input);
  return [
    {
      event: 'content_block_start',
      data: { type: 'content_block_start', index, content_block: { ...block, input: {} } },
    },
    // The API starts a tool_use's input with an empty partial_json.
    ...['', ...chunks(json, JSON_CHUNK)].map((partial_json) => ({
      event: 'content_block_delta',
      data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } },
    })),
    { event: 'content_block_stop', data: { type: 'content_block_stop', index } },
  ];
}

/** message_start, ping, the blocks' start/delta/stop events, message_delta, message_stop. */
export function messageEvents(message: ApiMessage): SseEvent[] {
  const { usage } = message;
  return [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          ...message,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...usage, output_tokens: 1 },
        },
      },
    },
    { event: 'ping', data: { type: 'ping' } },
    ...message.content.flatMap(blockEvents),
    {
      event: 'message_delta',
      data: {
        type: 'message_delta',
        delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence, stop_details: null },
        usage: {
          input_tokens: usage.input_tokens,
          cache_creation_input_tokens: usage.cache_creation_input_tokens,
          cache_read_input_tokens: usage.cache_read_input_tokens,
          output_tokens: usage.output_tokens,
          server_tool_use: null,
        },
      },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ];
}

export function formatSse(event: SseEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
