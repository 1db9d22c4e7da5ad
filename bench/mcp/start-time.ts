/**
 * How long an MCP server takes to be ready for the agent: started in the tools' sandbox (as a
 * task starts it: agent-task/mcp/start-mcp-servers.ts), initialized and its tools listed; then
 * how long stopping it takes. For comparison, the same server started plainly by the SDK's own
 * StdioClientTransport, outside any sandbox. The server is the test server (test/support/mcp),
 * bundled into one file of Node code, written into the workspace by the tools themselves.
 *
 *   npx tsx bench/mcp/start-time.ts [runs]
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { pino } from 'pino';
import { parseConfig } from '../../core/config.js';
import { startMcpServers } from '../../agent-task/mcp/start-mcp-servers.js';
import { createSandbox, disposeSandbox } from '../../agent-task/sandbox/sandbox.js';
import { runToolOrThrow } from '../../agent-task/sandbox/run-tool.js';
import { bundledStdioServer } from '../../test/support/mcp/bundle.js';
import { summarize } from '../support/stats.js';

const runs = Number(process.argv[2] ?? 10);
const server = await bundledStdioServer();
const config = parseConfig({ mcpServers: { bench: { command: 'node', args: ['mcp-server.mjs'] } } });
if (!config.ok) throw new Error(config.errors.join('\n'));
const log = pino({ level: 'silent' });

const sandboxed: number[] = [];
const stopped: number[] = [];
let isolation = '';
for (let i = 0; i < runs; i++) {
  const taskDir = await mkdtemp(join(tmpdir(), 'nightshift-bench-mcp-'));
  await chmod(taskDir, 0o711);
  const sandbox = await createSandbox({ taskDir });
  isolation = `${sandbox.isolation}${sandbox.uid !== undefined ? ' + a uid of its own' : ''}`;
  await runToolOrThrow('write the server', sandbox, ['/bin/sh', '-c', 'cat > mcp-server.mjs'], {
    stdin: Readable.from([server]),
  });
  const started = performance.now();
  const servers = await startMcpServers({
    servers: config.config.mcpServers,
    sandbox,
    secrets: new Map(),
    redact: (t) => t,
    log,
  });
  sandboxed.push(performance.now() - started);
  if (servers.tools.length === 0)
    throw new Error(`the server did not start: ${JSON.stringify(servers.failures)}`);
  const closing = performance.now();
  await servers.close();
  stopped.push(performance.now() - closing);
  await disposeSandbox(sandbox);
  await rm(taskDir, { recursive: true, force: true });
}

const plainDir = await mkdtemp(join(tmpdir(), 'nightshift-bench-mcp-plain-'));
await writeFile(join(plainDir, 'mcp-server.mjs'), server);
const plain: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({ command: 'node', args: ['mcp-server.mjs'], cwd: plainDir }),
  );
  await client.listTools();
  plain.push(performance.now() - started);
  await client.close();
}
await rm(plainDir, { recursive: true, force: true });

const line = (name: string, ms: number[]) => {
  const s = summarize(ms);
  return `${name}: median ${s.p50.toFixed(0)} ms, p90 ${s.p90.toFixed(0)} ms, mean ${s.mean.toFixed(0)} ms, max ${s.max.toFixed(0)} ms`;
};
console.log(`MCP server start to tools listed, ${runs} runs each (isolation: ${isolation})`);
console.log(line('in the sandbox (start + initialize + tools/list)', sandboxed));
console.log(line('stopping it (process group)', stopped));
console.log(line('plain StdioClientTransport, no sandbox', plain));
