// Approximate token accounting and prompt caching.
//
// Tokens are approximated as 4 characters per token (rounded up), counted on the text that a block
// carries: a text block's text, a tool_use's name + JSON input, a tool_result's flattened text,
// a thinking block's thinking; anything else (images, tool definitions) as its JSON.
//
// The prompt is read in the API's cache order, tools, then system, then messages, as a list of blocks.
// A block carrying `cache_control` (or the last block, for a top-level `cache_control`) is a
// breakpoint; a prefix is identified by a hash chained over the canonical JSON of its blocks
// (without their cache_control) and the model. After each request the prefixes at its breakpoints
// are remembered (no minimum cacheable size, no expiry). For a request:
//   cache_read_input_tokens     = tokens of the longest remembered prefix of this request that ends
//                                 at or at most 20 blocks before one of its breakpoints (the API's
//                                 lookback window),
//   cache_creation_input_tokens = tokens from there to the last breakpoint,
//   input_tokens                = tokens after the last breakpoint (all of them without breakpoints),
//   output_tokens               = tokens of the reply (at least 1).
import { createHash } from 'node:crypto';
import type { InBlock, ReportedUsage, RequestBody, TokenCounts } from './types.js';

export const CHARS_PER_TOKEN = 4;
export const LOOKBACK_BLOCKS = 20;

export function approxTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** JSON with sorted keys, so that equal blocks hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The text a block is counted by. */
export function blockText(block: InBlock): string {
  switch (block.type) {
    case 'text':
      return String(block.text ?? '');
    case 'thinking':
      return String(block['thinking'] ?? '');
    case 'tool_use':
      return String(block.name ?? '') + JSON.stringify(block.input ?? {});
    case 'tool_result':
      if (typeof block.content === 'string') return block.content;
      return (block.content ?? []).map(blockText).join('');
    default:
      return JSON.stringify(withoutCacheControl(block));
  }
}

function withoutCacheControl(item: object): object {
  const { cache_control: _ignored, ...rest } = item as { cache_control?: unknown };
  return rest;
}

interface PromptBlock {
  key: string;
  chars: number;
  ttl: '5m' | '1h' | undefined;
}

function ttlOf(item: { cache_control?: { ttl?: string } | null }): '5m' | '1h' | undefined {
  if (!item.cache_control) return undefined;
  return item.cache_control.ttl === '1h' ? '1h' : '5m';
}

/** The prompt as blocks in cache order: tools, system, messages. */
export function promptBlocks(body: RequestBody): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  for (const tool of body.tools ?? []) {
    const json = canonicalJson(withoutCacheControl(tool));
    blocks.push({ key: `tool:${json}`, chars: json.length, ttl: ttlOf(tool) });
  }
  const system: InBlock[] =
    typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? []);
  for (const block of system) {
    blocks.push({
      key: `system:${canonicalJson(withoutCacheControl(block))}`,
      chars: blockText(block).length,
      ttl: ttlOf(block),
    });
  }
  for (const message of body.messages) {
    const content: InBlock[] =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const block of content) {
      blocks.push({
        key: `${message.role}:${canonicalJson(withoutCacheControl(block))}`,
        chars: blockText(block).length,
        ttl: ttlOf(block),
      });
    }
  }
  const last = blocks.at(-1);
  if (body.cache_control && last && !last.ttl) last.ttl = ttlOf(body);
  return blocks;
}

export function countTokens(body: RequestBody): number {
  return approxTokens(promptBlocks(body).reduce((sum, b) => sum + b.chars, 0));
}

export function reportedUsage(counts: TokenCounts, creation5m: number, creation1h: number): ReportedUsage {
  return {
    ...counts,
    cache_creation: { ephemeral_5m_input_tokens: creation5m, ephemeral_1h_input_tokens: creation1h },
    server_tool_use: null,
    service_tier: 'standard',
    inference_geo: null,
    output_tokens_details: null,
    speed: null,
  };
}

/** The remembered prefixes of earlier requests, and the accounting of new ones. */
export class PromptCache {
  private readonly prefixes = new Set<string>();

  /** Input-side usage of a request (output_tokens 0); `remember` its breakpoints' prefixes. */
  account(body: RequestBody, remember = true): ReportedUsage {
    const blocks = promptBlocks(body);
    const hashes: string[] = [];
    const tokensThrough: number[] = [];
    let hash = createHash('sha256').update(`model:${body.model}`).digest('hex');
    let chars = 0;
    for (const block of blocks) {
      hash = createHash('sha256').update(hash).update(block.key).digest('hex');
      chars += block.chars;
      hashes.push(hash);
      tokensThrough.push(approxTokens(chars));
    }
    const total = approxTokens(chars);
    const breakpoints = blocks.flatMap((b, i) => (b.ttl ? [i] : []));
    const lastBreakpoint = breakpoints.at(-1);
    if (lastBreakpoint === undefined) {
      return reportedUsage(
        { input_tokens: total, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        0,
        0,
      );
    }

    let readEnd = -1;
    for (const bp of breakpoints) {
      for (let i = bp; i >= Math.max(0, bp - LOOKBACK_BLOCKS) && i > readEnd; i--) {
        if (this.prefixes.has(hashes[i] ?? '')) {
          readEnd = i;
          break;
        }
      }
    }
    const read = readEnd < 0 ? 0 : (tokensThrough[readEnd] ?? 0);
    const written = tokensThrough[lastBreakpoint] ?? 0;

    // Split the written tokens by the TTL of the breakpoint closing each span.
    let creation5m = 0;
    let creation1h = 0;
    let from = read;
    for (const bp of breakpoints) {
      if (bp <= readEnd) continue;
      const to = tokensThrough[bp] ?? 0;
      if (blocks[bp]?.ttl === '1h') creation1h += to - from;
      else creation5m += to - from;
      from = to;
    }
    if (remember) for (const bp of breakpoints) this.prefixes.add(hashes[bp] ?? '');

    return reportedUsage(
      {
        input_tokens: total - written,
        output_tokens: 0,
        cache_creation_input_tokens: written - read,
        cache_read_input_tokens: read,
      },
      creation5m,
      creation1h,
    );
  }
}
