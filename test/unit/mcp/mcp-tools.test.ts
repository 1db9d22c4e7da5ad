import { describe, expect, it } from 'vitest';
import { agentToolName, mcpAgentTools, toolOutcome } from '../../../agent-task/mcp/mcp-tools.js';

const redact = (text: string) => text.replaceAll('s3cret', '[REDACTED]');

describe('an MCP result as the model reads it', () => {
  it('joins text, embedded text resources and links; says what it leaves out; keeps the error flag', () => {
    const outcome = toolOutcome(
      {
        content: [
          { type: 'text', text: 'first' },
          { type: 'resource', resource: { uri: 'file:///a.md', text: 'the resource' } },
          { type: 'resource', resource: { uri: 'file:///b.bin', blob: 'AAAA' } },
          { type: 'resource_link', uri: 'https://x.test/doc', name: 'doc' },
          { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
          { type: 'image', data: 'AAAA', mimeType: 'image/svg+xml' },
          { type: 'text', text: 'the s3cret' },
        ],
        isError: true,
      },
      redact,
    );
    expect(outcome).toEqual({
      content: [
        'first',
        'the resource',
        '[binary resource file:///b.bin]',
        '[resource https://x.test/doc (doc)]',
        '[audio content, not shown]',
        '[an image of type image/svg+xml, not shown]',
        'the [REDACTED]',
      ].join('\n'),
      isError: true,
    });
  });

  it('passes at most four images; structured content when there is nothing else', () => {
    const image = { type: 'image' as const, data: 'iVBORw0KGgo=', mimeType: 'image/png' };
    const outcome = toolOutcome({ content: Array.from({ length: 5 }, () => image) }, redact);
    expect(outcome.images).toHaveLength(4);
    expect(outcome.content).toBe('[more than 4 images: this one not shown]');
    expect(toolOutcome({ content: [], structuredContent: { n: 1 } }, redact).content).toBe('{"n":1}');
  });
});

describe("a server's tools as the agent's", () => {
  it('are prefixed, named as the model accepts, and redacted in name, description and schema', async () => {
    expect(agentToolName('docs', 'search.v2 (beta)')).toBe('mcp__docs__search_v2__beta_');
    expect(agentToolName('docs', 'x'.repeat(100))).toHaveLength(64);
    const calls: unknown[] = [];
    const [tool] = mcpAgentTools({
      server: 'docs',
      client: {
        callTool: (params: unknown) => {
          calls.push(params);
          return Promise.reject(new Error('Request timed out'));
        },
      } as never,
      tools: [
        {
          name: 'find',
          description: 'Finds with key s3cret',
          inputSchema: { type: 'object', properties: { q: { type: 'string', description: 'not s3cret' } } },
        },
      ],
      timeoutMs: 2_000,
      redact,
    });
    expect(tool!.name).toBe('mcp__docs__find');
    expect(tool!.spec).toEqual({
      kind: 'function',
      description: 'Finds with key [REDACTED]',
      inputSchema: { type: 'object', properties: { q: { type: 'string', description: 'not [REDACTED]' } } },
    });
    expect(await tool!.run({ q: 'a' })).toEqual({
      content: 'The docs MCP server did not answer within 2 seconds',
      isError: true,
    });
    expect(calls).toEqual([{ name: 'find', arguments: { q: 'a' } }]);
  });
});
