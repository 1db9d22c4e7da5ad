/**
 * The repository's MCP servers for one task: each started (a `command` in the tools' sandbox, or
 * a `url` called from here), asked for its tools, and its allowed tools offered to the agent. A
 * server that does not start within its time, or whose secret is missing, is left out with a
 * note saying why (its stderr's end, redacted); the task goes on without it. `close` stops them
 * all, process groups and all; the task's clean-up calls it on every end.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import {
  fillSecrets,
  secretsNamed,
  type McpServerConfig,
  type McpServersConfig,
} from '../../core/mcp-servers.js';
import type { ToolSandbox } from '../sandbox/sandbox.js';
import { outputTail } from '../setup/setup-failure.js';
import { startStep } from '../step-log.js';
import type { AgentTool } from '../tools/tool.js';
import { boundedFetch, refuseMetadataAddress } from './http-guard.js';
import type { McpSecrets } from './mcp-secrets.js';
import { mcpAgentTools } from './mcp-tools.js';
import { SandboxStdioTransport } from './sandbox-stdio-transport.js';

/** How long a server may take to start and list its tools. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;
/** Tools one server may offer (a server listing thousands would fill the prompt). */
const MAX_TOOLS_PER_SERVER = 100;
const CLIENT_INFO = { name: 'nightshift', version: '1.0.0' };

export interface McpServerFailure {
  server: string;
  reason: string;
  /** The end of its stderr, redacted (a started server only). */
  stderr: string;
}

export interface McpServers {
  /** Every allowed tool of every server that started, in a stable order (the prompt's cached prefix). */
  tools: AgentTool[];
  /** Servers that started, with their tool counts. */
  started: Array<{ server: string; tools: number; ms: number }>;
  failures: McpServerFailure[];
  close(): Promise<void>;
}

export interface StartMcpInput {
  servers: McpServersConfig;
  sandbox: ToolSandbox;
  secrets: McpSecrets;
  /** Every secret the task knows redacted (the MCP secrets among them). */
  redact: (text: string) => string;
  log: Logger;
  startTimeoutMs?: number;
}

export const NO_MCP_SERVERS: McpServers = {
  tools: [],
  started: [],
  failures: [],
  close: async () => undefined,
};

export async function startMcpServers(input: StartMcpInput): Promise<McpServers> {
  const names = Object.keys(input.servers).sort();
  if (names.length === 0) return NO_MCP_SERVERS;
  const results = await Promise.all(names.map((name) => startOne(name, input.servers[name]!, input)));
  const clients = results.flatMap((r) => (r.ok ? [r.client] : []));
  return {
    tools: uniqueNames(
      results.flatMap((r) => (r.ok ? r.tools : [])),
      input.log,
    ),
    started: results.flatMap((r) => (r.ok ? [{ server: r.server, tools: r.tools.length, ms: r.ms }] : [])),
    failures: results.flatMap((r) => (r.ok ? [] : [r.failure])),
    close: async () => {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    },
  };
}

type Started =
  | { ok: true; server: string; client: Client; tools: AgentTool[]; ms: number }
  | { ok: false; failure: McpServerFailure };

async function startOne(server: string, config: McpServerConfig, input: StartMcpInput): Promise<Started> {
  const { redact, log } = input;
  const step = startStep(log, 'mcp');
  const started = Date.now();
  const missing = secretsNamed(config).filter((name) => !input.secrets.has(name));
  if (missing.length > 0) {
    const reason =
      `it names ${missing.map((n) => `secrets.${n}`).join(', ')}, which the operator has not set ` +
      `(locally ${missing.map((n) => `NIGHTSHIFT_MCP_${n}`).join(', ')}; on AWS a key of the MCP secret)`;
    return failed(server, reason, '', log);
  }
  // Without bubblewrap's own process namespace, the agent's shell runs as the server's uid and
  // could read its environment from /proc: a secret goes only to a server the shell cannot see.
  if (config.command && secretsNamed(config).length > 0 && input.sandbox.isolation !== 'bubblewrap') {
    const reason =
      'it is given secrets, and without bubblewrap (here the tools are isolated by uid only) the ' +
      "agent's shell could read a server's environment: give the secret to an HTTP server, or run " +
      'Nightshift where bubblewrap works';
    return failed(server, reason, '', log);
  }
  let transport: Transport;
  try {
    transport = config.command
      ? new SandboxStdioTransport(
          input.sandbox,
          [config.command, ...(config.args ?? [])],
          fillSecrets(config.env, input.secrets),
        )
      : httpTransport(new URL(config.url!), fillSecrets(config.headers, input.secrets));
  } catch (error) {
    return failed(server, redact(messageOf(error)), '', log);
  }
  const client = new Client(CLIENT_INFO);
  const timeout = input.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  try {
    await client.connect(transport, { timeout });
    const listed = await listAllTools(client, timeout);
    const allowed = config.tools ? listed.filter((tool) => config.tools!.includes(tool.name)) : listed;
    const offered = allowed.slice(0, MAX_TOOLS_PER_SERVER);
    const tools = mcpAgentTools({
      server,
      client,
      tools: offered,
      timeoutMs: config.timeoutSeconds * 1000,
      redact,
    });
    const ms = Date.now() - started;
    step(`MCP server ${server}: ${tools.length} of ${listed.length} tools offered`, {
      server,
      tools: tools.length,
    });
    return { ok: true, server, client, tools, ms };
  } catch (error) {
    const stderr = transport instanceof SandboxStdioTransport ? transport.stderrTail() : '';
    const exit =
      transport instanceof SandboxStdioTransport && transport.exit ? ` (the server ${transport.exit})` : '';
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    return failed(server, redact(`${messageOf(error)}${exit}`), redact(outputTail(stderr, [])), log);
  }
}

function httpTransport(url: URL, headers: Record<string, string>): Transport {
  refuseMetadataAddress(url);
  return new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch: boundedFetch });
}

/** Every page of the server's tool list, sorted by name so the prompt's prefix stays the same. */
async function listAllTools(client: Client, timeout: number): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : {}, { timeout });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor && tools.length < 1_000);
  return tools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The model refuses a request whose tools share a name (two cut to the same 64 characters): the first stays. */
function uniqueNames(tools: AgentTool[], log: Logger): AgentTool[] {
  const seen = new Set<string>();
  return tools.filter((tool) => {
    if (!seen.has(tool.name)) {
      seen.add(tool.name);
      return true;
    }
    log.warn({ step: 'mcp', tool: tool.name }, `MCP tool ${tool.name} left out: another tool has its name`);
    return false;
  });
}

function failed(server: string, reason: string, stderr: string, log: Logger): Started {
  log.warn({ step: 'mcp', server, reason }, `MCP server ${server} did not start: ${reason}`);
  return { ok: false, failure: { server, reason, stderr } };
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}
