/**
 * MCP servers from `.github/nightshift.yml`, through the real path: signed webhooks, the local
 * runner's agent process, the tools' sandbox, the scripted model through the real SDK. A stdio
 * server (written with the SDK's server classes, bundled into the fake repository as a real
 * repository carries or installs its server) and an HTTP one on loopback; secrets from the
 * server's environment (`NIGHTSHIFT_MCP_<NAME>`), echoed back by the server over a side channel.
 */
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../core/task.js';
import { CALC_FILES, REPO, startHarness, type Harness } from '../../support/harness.js';
import { bundledStdioServer } from '../../support/mcp/bundle.js';
import { startHttpMcpServer, startReportListener } from '../../support/mcp/http-server.js';
import { TINY_PNG } from '../../support/mcp/test-server.js';
import {
  bash,
  done,
  editor,
  toolResultsOf,
  toolUse,
  type RecordedRequest,
  type ScriptStep,
} from '../../support/scripted-model/index.js';

const SLOW = 240_000;
const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const STDIO_SECRET = 'mcp-stdio-secret-4f1c9e0b7a2d';
const HTTP_SECRET = 'mcp-http-secret-9d3e7c1a5b8f';
const SERVER_FILE = '.nightshift/mcp-server.mjs';

/** Command lines of this machine's processes that mention `text`. */
async function processesRunning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(cmdline.replaceAll('\0', ' '));
  }
  return found;
}

describe('MCP servers from .github/nightshift.yml', () => {
  let h: Harness;
  let http: Awaited<ReturnType<typeof startHttpMcpServer>>;
  let listener: Awaited<ReturnType<typeof startReportListener>>;

  const config = (reportUrl: string, httpUrl: string) => `test: node test.js
limits:
  turns: 20
mcpServers:
  local:
    command: node
    args: [${SERVER_FILE}]
    env:
      REPORT_URL: ${reportUrl}
      SECRET_FOR_TEST: "\${{ secrets.STDIO_TOKEN }}"
    tools: [echo, whoami, screenshot, fail, flood, hang]
    timeoutSeconds: 2
  broken:
    command: node
    args: [${SERVER_FILE}, --crash]
  docs:
    url: ${httpUrl}
    headers:
      Authorization: "Bearer \${{ secrets.DOCS_TOKEN }}"
    tools: [echo]
`;

  beforeAll(async () => {
    http = await startHttpMcpServer();
    listener = await startReportListener();
    h = await startHarness({
      files: {
        ...CALC_FILES,
        [SERVER_FILE]: await bundledStdioServer(),
        '.github/nightshift.yml': config(listener.url, http.url),
      },
      env: { NIGHTSHIFT_MCP_STDIO_TOKEN: STDIO_SECRET, NIGHTSHIFT_MCP_DOCS_TOKEN: HTTP_SECRET },
    });
  }, SLOW);
  afterAll(async () => {
    await h?.close();
    await http?.close();
    await listener?.close();
  });

  async function runTask(start: () => Promise<void>, steps: ScriptStep[]): Promise<Task> {
    const before = new Set((await h.tasks()).map((t) => t.id));
    h.model.push(...steps);
    await start();
    await h.settle();
    return h.waitForTask((t) => !before.has(t.id) && TERMINAL.includes(t.status));
  }

  const toolNames = (request: RecordedRequest) =>
    ((request.body.tools ?? []) as Array<{ name: string }>).map((t) => t.name);

  it(
    "offers the servers' allowed tools, answers calls with their results, keeps secrets to the servers, and notes the server that crashed",
    async () => {
      const firstRequestTools: string[][] = [];
      const startedAt = h.model.requests.length;
      const issue = h.github.addIssue(REPO, { title: 'Fix add', body: 'add(2, 3) must be 5', user: 'bob' });
      const task = await runTask(async () => {
        await h.label(issue.number);
      }, [
        (request) => {
          firstRequestTools.push(toolNames(request));
          return toolUse('mcp__local__echo', { text: 'hello' });
        },
        toolUse('mcp__docs__echo', { text: 'from the docs' }),
        toolUse('mcp__local__screenshot', {}),
        toolUse('mcp__local__fail', {}),
        toolUse('mcp__local__flood', {}),
        toolUse('mcp__local__hang', {}),
        // Abuse: the server runs as the tools do: not root, no supervisor's variables, no Nightshift files.
        toolUse('mcp__local__whoami', { path: `${process.cwd()}/package.json` }),
        // Abuse: the agent's shell cannot see the server's secret, in any process's environment.
        bash(
          'env; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" 2>/dev/null; done | grep -c SECRET_FOR_TEST; ps -ef',
        ),
        editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
        done('Fixed add().'),
      ]);
      expect(task.status).toBe('succeeded');
      const requests = h.model.requests.slice(startedAt);

      // The first request offers the allowed tools of the servers that started, in a stable order.
      expect(firstRequestTools[0]).toEqual([
        'bash',
        'str_replace_based_edit_tool',
        'mcp__docs__echo',
        'mcp__local__echo',
        'mcp__local__fail',
        'mcp__local__flood',
        'mcp__local__hang',
        'mcp__local__screenshot',
        'mcp__local__whoami',
      ]);
      const echo = (requests[0]!.body.tools as Array<{ name: string; input_schema: unknown }>).find(
        (t) => t.name === 'mcp__local__echo',
      );
      expect(echo?.input_schema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } } });

      const result = (i: number) => toolResultsOf(requests[i]!)[0]!;
      const textOf = (r: ReturnType<typeof result>) =>
        typeof r.content === 'string' ? r.content : JSON.stringify(r.content);
      expect(textOf(result(1))).toBe('stdio-test echo: hello');
      expect(textOf(result(2))).toBe('http-test echo: from the docs');
      // An image is passed on as an image block.
      expect(result(3).content).toEqual([
        { type: 'text', text: 'a screenshot' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: TINY_PNG } },
      ]);
      expect(result(4)).toMatchObject({ is_error: true, content: 'the page was not found' });
      // A hostile answer is cut to size; a hanging call is answered with an error in time.
      const flood = textOf(result(5));
      expect(flood.length).toBeLessThan(31_000);
      expect(flood).toMatch(/^flood start/);
      expect(flood).toMatch(/characters \(.* lines\) cut/);
      expect(flood).toMatch(/flood end$/);
      expect(result(6)).toMatchObject({ is_error: true });
      expect(textOf(result(6))).toContain('did not answer within 2 seconds');
      const whoami = textOf(result(7));
      expect(whoami).toMatch(/cwd=\/.*\/tools\/repo /);
      expect(whoami).not.toMatch(/uid=0 /);
      expect(whoami).toContain('SECRET_FOR_TEST');
      expect(whoami).not.toMatch(/ANTHROPIC|PRIVATE_KEY|WEBHOOK_SECRET|NIGHTSHIFT_/);
      expect(whoami).toMatch(/cannot read .*package\.json: E(NOENT|ACCES)/);
      const shell = textOf(result(8));
      expect(shell).not.toContain(STDIO_SECRET);
      expect(shell).toMatch(/^0$/m);

      // The secrets reached their servers (the side channel, the header) and nothing else.
      expect(listener.reports).toContainEqual(expect.objectContaining({ secret: STDIO_SECRET }));
      expect(http.authorizations).toContain(`Bearer ${HTTP_SECRET}`);
      const everything = [
        JSON.stringify(h.model.requests.map((r) => r.body)),
        JSON.stringify(h.github.calls.map((c) => c.body)),
        (await h.db.store.readLog(task.id)).map((e) => e.message).join('\n'),
        JSON.stringify(await h.db.store.load(task.id)),
      ].join('\n');
      for (const secret of [STDIO_SECRET, HTTP_SECRET]) expect(everything).not.toContain(secret);

      // The server that crashed: a note on the check run with its stderr's end; the task went on.
      const run = h.github.checkRuns(REPO).find((r) => r.conclusion === 'success');
      expect(run?.output.summary).toContain('**MCP servers**');
      expect(run?.output.summary).toMatch(/`broken` did not start/);
      expect(run?.output.summary).toContain('boom: the test server cannot start (as asked)');
      expect(firstRequestTools[0]!.some((name) => name.startsWith('mcp__broken__'))).toBe(false);
      // The agent was told, too; its system prompt names the servers it has.
      expect(JSON.stringify(requests[0]!.body.messages[0])).toContain('`broken` did not start');
      expect(JSON.stringify(requests[0]!.body.system)).toContain('MCP servers `docs`, `local`');
      // The task's end stopped its servers: no process runs the server's file any more.
      expect(await processesRunning(SERVER_FILE)).toEqual([]);
    },
    SLOW,
  );

  it(
    "ignores mcpServers in a pull request's branch: the default branch's file decides",
    async () => {
      const reportsBefore = listener.reports.length;
      await h.github.commitFiles(
        REPO,
        'feature',
        {
          '.github/nightshift.yml': `mcpServers:\n  evil:\n    command: node\n    args: [${SERVER_FILE}]\n    env:\n      REPORT_URL: ${listener.url}\n      SECRET_FOR_TEST: "from-the-branch \${{ secrets.STDIO_TOKEN }}"\n`,
        },
        'Add a server of my own',
      );
      const pr = await h.github.addPullRequest(REPO, { head: 'feature', title: 'Feature', user: 'alice' });
      const seen: string[][] = [];
      const task = await runTask(async () => {
        const comment = h.github.addComment(REPO, pr.number, { body: '/agent fix it', user: 'alice' });
        await h.deliver(
          'issue_comment',
          await h.payload('issue_comment', 'created', {
            issue: { number: pr.number },
            comment: { id: comment.id },
            sender: { login: 'alice' },
          }),
        );
      }, [
        (request) => {
          seen.push(toolNames(request));
          return done('Nothing to do.');
        },
      ]);
      expect(TERMINAL).toContain(task.status);
      expect(seen[0]).toContain('mcp__local__echo');
      expect(seen[0]!.some((name) => name.startsWith('mcp__evil__'))).toBe(false);
      const reports = listener.reports.slice(reportsBefore) as Array<{ secret: string | null }>;
      expect(reports.some((r) => r.secret?.startsWith('from-the-branch'))).toBe(false);
    },
    SLOW,
  );
});
