/**
 * Starting and stopping a repository's MCP servers in a real tools sandbox (bubblewrap, and a uid
 * of the task's own alone as on Fargate), without the rest of a task: the process group goes with
 * the server, a server that never answers is given up on in time, a missing secret or a
 * metadata address is a note, and duplicate names cannot reach the model.
 */
import { readdir, readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config.js';
import type { McpServersConfig } from '../../../core/mcp-servers.js';
import { startMcpServers } from '../../../agent-task/mcp/start-mcp-servers.js';
import type { ToolSandbox } from '../../../agent-task/sandbox/sandbox.js';
import { bundledStdioServer } from '../../support/mcp/bundle.js';
import { disposeTestSandbox, testSandbox, writeAsTools } from '../../support/sandbox.js';

const isRoot = process.getuid?.() === 0;
const log = pino({ level: 'silent' });

function servers(raw: Record<string, unknown>): McpServersConfig {
  const parsed = parseConfig({ mcpServers: raw });
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.config.mcpServers;
}

/** Live (not zombie) processes whose command line (arguments separated by NUL) holds `text`. */
async function running(text: string): Promise<number> {
  let count = 0;
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    if (/^State:\s+Z/m.test(status)) continue;
    if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(text)) count++;
  }
  return count;
}

describe.each(isRoot ? (['bubblewrap', 'uid'] as const) : (['bubblewrap'] as const))(
  'MCP servers in a %s sandbox',
  (isolation) => {
    let sandbox: ToolSandbox;
    let server: string;
    beforeAll(async () => {
      server = await bundledStdioServer();
      sandbox = await testSandbox({ isolation });
      await writeAsTools(sandbox, 'mcp-server.mjs', server);
    });
    afterAll(async () => {
      if (sandbox) await disposeTestSandbox(sandbox);
    });

    it('stops the server and everything it started when closed', async () => {
      const marker = isolation === 'bubblewrap' ? '4242' : '4343';
      const started = await startMcpServers({
        servers: servers({
          local: { command: '/bin/sh', args: ['-c', `sleep ${marker} & exec node mcp-server.mjs`] },
        }),
        sandbox,
        secrets: new Map(),
        redact: (t) => t,
        log,
      });
      expect(started.failures).toEqual([]);
      expect(started.tools.map((t) => t.name)).toContain('mcp__local__echo');
      expect(await running(`sleep\0${marker}\0`)).toBe(1);
      await started.close();
      expect(await running(`sleep\0${marker}\0`)).toBe(0);
      expect(await running('mcp-server.mjs')).toBe(0);
    });

    it('starts a server given a secret only where the shell cannot see its process', async () => {
      const started = await startMcpServers({
        servers: servers({
          keyed: {
            command: 'node',
            args: ['mcp-server.mjs'],
            env: { TOKEN: '${{ secrets.KEYED_TOKEN }}' },
          },
        }),
        sandbox,
        secrets: new Map([['KEYED_TOKEN', 'keyed-secret-value']]),
        redact: (t) => t,
        log,
      });
      try {
        if (isolation === 'bubblewrap') {
          expect(started.failures).toEqual([]);
          expect(started.tools.map((t) => t.name)).toContain('mcp__keyed__echo');
        } else {
          expect(started.tools).toEqual([]);
          expect(started.failures).toEqual([
            {
              server: 'keyed',
              reason: expect.stringContaining('give the secret to an HTTP server'),
              stderr: '',
            },
          ]);
          expect(await running('mcp-server.mjs')).toBe(0);
        }
      } finally {
        await started.close();
      }
    });

    it('gives up on a server that never answers, and stops it', async () => {
      const t0 = Date.now();
      const started = await startMcpServers({
        servers: servers({
          mute: { command: '/bin/sh', args: ['-c', 'echo listening... >&2; exec sleep 4444'] },
        }),
        sandbox,
        secrets: new Map(),
        redact: (t) => t,
        log,
        startTimeoutMs: 1_000,
      });
      expect(Date.now() - t0).toBeLessThan(6_000);
      expect(started.tools).toEqual([]);
      expect(started.failures).toEqual([
        { server: 'mute', reason: expect.stringMatching(/timed out/i), stderr: 'listening...' },
      ]);
      expect(await running('sleep\u00004444\u0000')).toBe(0);
    });
  },
);

describe('MCP servers that cannot start', () => {
  let sandbox: ToolSandbox;
  beforeAll(async () => {
    sandbox = await testSandbox();
  });
  afterAll(async () => {
    if (sandbox) await disposeTestSandbox(sandbox);
  });

  it('names a missing secret and where to set it; refuses a metadata address; redacts what it reports', async () => {
    const started = await startMcpServers({
      servers: servers({
        needs: { command: 'node', env: { TOKEN: '${{ secrets.MISSING }}' } },
        meta: { url: 'http://169.254.170.2/v2/credentials' },
        loud: { command: '/bin/sh', args: ['-c', 'echo "the key is s3cr3t-value-123" >&2; exit 2'] },
      }),
      sandbox,
      secrets: new Map(),
      redact: (t) => t.replaceAll('s3cr3t-value-123', '[REDACTED]'),
      log,
    });
    expect(started.failures).toEqual([
      {
        server: 'loud',
        reason: expect.stringMatching(/closed|exited/i),
        stderr: 'the key is [REDACTED]',
      },
      { server: 'meta', reason: expect.stringMatching(/link-local/), stderr: '' },
      {
        server: 'needs',
        reason: expect.stringContaining(
          'secrets.MISSING, which the operator has not set (locally NIGHTSHIFT_MCP_MISSING',
        ),
        stderr: '',
      },
    ]);
  });
});
