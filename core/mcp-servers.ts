/**
 * `mcpServers` in `.github/nightshift.yml`: the repository's own tools for the agent, in the shape
 * of Claude Code's `.mcp.json` (a name per server; `command`/`args`/`env` for a server started in
 * the tools' sandbox, or `url`/`headers` for a streamable HTTP server), plus an allow-list of its
 * tools and a per-call time limit. Values of `env` and `headers` may name operator secrets as
 * `${{ secrets.NAME }}`; which secrets an entry needs, and the text with them filled in, are
 * decided here. Starting the servers is agent-task/mcp/'s.
 */
import { z } from 'zod';

/** A server's name: it becomes part of each tool's name, `mcp__<server>__<tool>`. */
const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,29}$/;
export const SERVER_NAME_TITLE = 'MCP server name';

/** `${{ secrets.NAME }}`, as GitHub Actions writes it. */
const SECRET_REFERENCE = /\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}/g;

export const DEFAULT_MCP_TIMEOUT_SECONDS = 120;

const variables = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
  .optional()
  .describe(
    'Environment variables of the server process, beside the tools\' clean environment. A value may name a secret: "${{ secrets.NAME }}".',
  )
  .meta({ examples: [{ DOCS_TOKEN: '${{ secrets.DOCS_TOKEN }}' }] });

const serverSchema = z
  .strictObject({
    type: z
      .enum(['stdio', 'http'])
      .optional()
      .describe(
        'stdio (a `command`, started in the sandbox) or http (a streamable HTTP `url`); implied by which is set.',
      ),
    command: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The program that serves MCP over stdin/stdout, started in the workspace as the agent's tools, after the setup commands.",
      )
      .meta({ examples: ['npx'] }),
    args: z
      .array(z.string())
      .optional()
      .describe('Its arguments.')
      .meta({ examples: [['@playwright/mcp', '--headless']] }),
    env: variables,
    url: z
      .string()
      .regex(/^https?:\/\/[^\s/?#]+[^\s]*$/)
      .optional()
      .describe('A streamable HTTP MCP endpoint, called by Nightshift itself (not from the sandbox).')
      .meta({ title: 'http or https URL', examples: ['https://mcp.example.com/mcp'] }),
    headers: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe(
        'HTTP headers sent with every request to `url`. A value may name a secret: "${{ secrets.NAME }}".',
      )
      .meta({ examples: [{ Authorization: 'Bearer ${{ secrets.DOCS_TOKEN }}' }] }),
    tools: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "Only these of the server's tools are offered to the agent (by the server's names). Unset: all.",
      )
      .meta({ examples: [['browser_navigate', 'browser_snapshot']] }),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(DEFAULT_MCP_TIMEOUT_SECONDS)
      .describe('Most seconds one tool call may take; a call that takes longer is answered with an error.'),
  })
  .superRefine((server, ctx) => {
    const issue = (message: string) =>
      ctx.addIssue({ code: 'custom', message, input: server, params: { sentence: true } });
    const stdio = server.command !== undefined;
    const http = server.url !== undefined;
    if (stdio === http) {
      issue(
        stdio
          ? 'has both `command` and `url`: keep `command` for a server started in the sandbox, or `url` for an HTTP server.'
          : 'needs `command` (a server started in the sandbox) or `url` (a streamable HTTP server).',
      );
      return;
    }
    if (server.type === 'http' && stdio)
      issue('is `type: http` but has a `command`: give it a `url` instead.');
    if (server.type === 'stdio' && http)
      issue('is `type: stdio` but has a `url`: give it a `command` instead.');
    if (http && (server.args !== undefined || server.env !== undefined))
      issue(
        'has `args` or `env` with a `url`: those are for a `command`; send values to an HTTP server in `headers`.',
      );
    if (stdio && server.headers !== undefined)
      issue('has `headers` with a `command`: pass values to a started server in `env`.');
  })
  .describe('One MCP server: `command` (stdio, in the sandbox) or `url` (streamable HTTP).');

export const mcpServersSchema = z
  .record(z.string().regex(SERVER_NAME).meta({ title: SERVER_NAME_TITLE }), serverSchema)
  .default({})
  .describe(
    "MCP servers whose tools the agent may call, named `mcp__<server>__<tool>`. Read from the default branch's file only.",
  )
  .meta({
    examples: [
      {
        browser: { command: 'npx', args: ['@playwright/mcp', '--headless'], tools: ['browser_navigate'] },
        docs: {
          url: 'https://mcp.example.com/mcp',
          headers: { Authorization: 'Bearer ${{ secrets.DOCS_TOKEN }}' },
        },
      },
    ],
  });

export type McpServerConfig = z.output<typeof serverSchema>;
export type McpServersConfig = z.output<typeof mcpServersSchema>;

/** The fix for a server name that does not fit. */
export const SERVER_NAME_FIX =
  'Name the server with letters, digits and hyphens (at most 30, starting with a letter or digit), like "browser".';

/** The names of the secrets an entry's `env` and `headers` refer to, in order, each once. */
export function secretsNamed(server: McpServerConfig): string[] {
  const names = new Set<string>();
  for (const value of [...Object.values(server.env ?? {}), ...Object.values(server.headers ?? {})]) {
    for (const match of value.matchAll(SECRET_REFERENCE)) names.add(match[1]!);
  }
  return [...names];
}

/** `values` with every `${{ secrets.NAME }}` replaced from `secrets` (each name must be there). */
export function fillSecrets(
  values: Readonly<Record<string, string>> | undefined,
  secrets: ReadonlyMap<string, string>,
): Record<string, string> {
  const filled: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    filled[key] = value.replace(SECRET_REFERENCE, (_all, name: string) => {
      const secret = secrets.get(name);
      if (secret === undefined) throw new Error(`secret ${name} is not set`);
      return secret;
    });
  }
  return filled;
}
