/**
 * A server's MCP tools as the agent's neutral tools: named `mcp__<server>__<tool>`, described by
 * the server's description and input schema, each call limited in time, its result cut to size,
 * its images passed on as images, its errors as tool errors, and the task's secrets redacted from
 * whatever the server answers (the model never reads a secret, even one a server echoes).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { limitText } from '../tools/output-limit.js';
import type { AgentTool, InputSchema, ToolImage, ToolOutcome } from '../tools/tool.js';

/** What the model reads of one result at most, as for the shell. */
export const MAX_RESULT_CHARS = 30_000;
/** Images the model accepts, each at most this large (base64 characters of a 5 MB image). */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_IMAGE_CHARS = Math.ceil((5 * 1024 * 1024 * 4) / 3);
const MAX_IMAGES = 4;
/** Tool names the model accepts: `^[a-zA-Z0-9_-]{1,64}$`. */
const MAX_NAME = 64;

export interface ServerTools {
  server: string;
  client: Pick<Client, 'callTool'>;
  tools: readonly Tool[];
  timeoutMs: number;
  redact: (text: string) => string;
}

/** The model's name for a server's tool: prefixed, with characters it does not accept replaced. */
export function agentToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_NAME);
}

export function mcpAgentTools({ server, client, tools, timeoutMs, redact }: ServerTools): AgentTool[] {
  return tools.map((tool) => ({
    // What the server says of its tools reaches the prompt: redacted like its answers.
    name: agentToolName(server, redact(tool.name)),
    spec: {
      kind: 'function',
      description: redact(tool.description ?? tool.title ?? `${tool.name} (from the ${server} MCP server)`),
      inputSchema: redactStrings(tool.inputSchema, redact) as InputSchema,
    },
    async run(input: unknown): Promise<ToolOutcome> {
      const args = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
      try {
        const result = (await client.callTool({ name: tool.name, arguments: args }, undefined, {
          timeout: timeoutMs,
          maxTotalTimeout: timeoutMs,
        })) as CallToolResult;
        return toolOutcome(result, redact);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const why = /timed out|timeout/i.test(message)
          ? `did not answer within ${Math.round(timeoutMs / 1000)} seconds`
          : `failed: ${message}`;
        return { content: redact(limitText(`The ${server} MCP server ${why}`, 2_000)), isError: true };
      }
    },
  }));
}

/** `value` with `redact` applied to every string in it, keys included. */
function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redact(key), redactStrings(item, redact)]),
    );
  return value;
}

/** A call's result as the model reads it. */
export function toolOutcome(result: CallToolResult, redact: (text: string) => string): ToolOutcome {
  const texts: string[] = [];
  const images: ToolImage[] = [];
  for (const block of result.content ?? []) {
    switch (block.type) {
      case 'text':
        texts.push(block.text);
        break;
      case 'image':
        if (!IMAGE_TYPES.has(block.mimeType)) texts.push(`[an image of type ${block.mimeType}, not shown]`);
        else if (block.data.length > MAX_IMAGE_CHARS) texts.push('[an image larger than 5 MB, not shown]');
        else if (images.length >= MAX_IMAGES)
          texts.push(`[more than ${MAX_IMAGES} images: this one not shown]`);
        else images.push({ mediaType: block.mimeType as ToolImage['mediaType'], data: block.data });
        break;
      case 'resource':
        texts.push(
          'text' in block.resource ? block.resource.text : `[binary resource ${block.resource.uri}]`,
        );
        break;
      case 'resource_link':
        texts.push(`[resource ${block.uri}${block.name ? ` (${block.name})` : ''}]`);
        break;
      default:
        texts.push(`[${block.type} content, not shown]`);
    }
  }
  if (texts.length === 0 && images.length === 0 && result.structuredContent !== undefined)
    texts.push(JSON.stringify(result.structuredContent));
  const content = redact(limitText(texts.join('\n'), MAX_RESULT_CHARS));
  return { content, isError: result.isError === true, ...(images.length > 0 ? { images } : {}) };
}
