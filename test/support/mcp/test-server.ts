/**
 * An MCP server for tests, written with the SDK's own server classes: the same tools over stdio
 * (stdio-main.ts, bundled into one file a fake repository carries, since the tools' sandbox hides
 * Nightshift's own folder and its node_modules) and over streamable HTTP (http-server.ts).
 *
 * - `echo` answers its text; `add` adds two numbers;
 * - `hidden` exists to be left out by an allow-list;
 * - `whoami` says who and where the server runs (uid, cwd, whether it can read a path);
 * - `screenshot` answers a tiny PNG image; `fail` answers a tool error;
 * - `flood` answers more text than the model may read; `hang` never answers.
 */
import { readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** A 1×1 transparent PNG. */
export const TINY_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export function testMcpServer(name: string): McpServer {
  const server = new McpServer({ name, version: '1.0.0' });
  const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
  server.registerTool(
    'echo',
    { description: 'Answers the text it is given.', inputSchema: { text: z.string() } },
    ({ text: t }) => text(`${name} echo: ${t}`),
  );
  server.registerTool(
    'add',
    { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
    ({ a, b }) => text(String(a + b)),
  );
  server.registerTool('hidden', { description: 'A tool the allow-list leaves out.' }, () => text('hidden'));
  server.registerTool(
    'whoami',
    { description: 'Who and where the server runs.', inputSchema: { path: z.string().optional() } },
    ({ path }) => {
      let readable = 'no path given';
      if (path) {
        try {
          readable = `read ${readFileSync(path, 'utf8').length} characters of ${path}`;
        } catch (error) {
          readable = `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
        }
      }
      const env = Object.keys(process.env).sort().join(',');
      return text(`uid=${process.getuid?.()} cwd=${process.cwd()} env=${env} ${readable}`);
    },
  );
  server.registerTool('screenshot', { description: 'A tiny PNG.' }, () => ({
    content: [
      { type: 'text' as const, text: 'a screenshot' },
      { type: 'image' as const, data: TINY_PNG, mimeType: 'image/png' },
    ],
  }));
  server.registerTool('fail', { description: 'Always fails.' }, () => ({
    content: [{ type: 'text' as const, text: 'the page was not found' }],
    isError: true,
  }));
  server.registerTool('flood', { description: 'Answers about 2 MB of text.' }, () =>
    text(`flood start\n${'x'.repeat(2_000_000)}\nflood end`),
  );
  server.registerTool('hang', { description: 'Never answers.' }, () => new Promise<never>(() => undefined));
  return server;
}
