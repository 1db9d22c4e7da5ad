import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BashSession } from '../../../agent-task/tools/bash-session.js';
import { bashTool } from '../../../agent-task/tools/bash-tool.js';
import type { ToolSandbox } from '../../../agent-task/sandbox/sandbox.js';
import { disposeTestSandbox, testSandbox } from '../../support/sandbox.js';

const isRoot = process.getuid?.() === 0;

describe('bash tool in a sandbox', () => {
  let sandbox: ToolSandbox;
  let session: BashSession;
  const planted = {
    ANTHROPIC_API_KEY: 'sk-ant-secret',
    GITHUB_TOKEN: 'ghs_plantedtoken',
    AWS_SECRET_ACCESS_KEY: 'aws-planted-secret',
  };
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [name, value] of Object.entries(planted)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    sandbox = await testSandbox();
    session = new BashSession(sandbox, { defaultTimeoutMs: 20_000 });
  });

  afterAll(async () => {
    await session.close();
    await disposeTestSandbox(sandbox);
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is the shell, named bash', () => {
    const tool = bashTool(session);
    expect([tool.name, tool.spec]).toEqual(['bash', { kind: 'shell' }]);
  });

  it('keeps state between commands', async () => {
    const tool = bashTool(session);
    await tool.run({ command: 'mkdir -p sub/dir && cd sub/dir && export GREETING=hello' });
    const out = await tool.run({ command: 'pwd; echo "$GREETING"' });
    expect(out).toEqual({ content: `${sandbox.workspace}/sub/dir\nhello`, isError: false });
  });

  it('reports a non-zero exit code, with stderr merged into the output', async () => {
    const out = await bashTool(session).run({ command: 'echo to-stdout; echo to-stderr >&2; false' });
    expect(out.isError).toBe(false);
    expect(out.content).toBe('to-stdout\nto-stderr\n\nexit code 1');
  });

  it('gives commands an empty stdin and keeps multi-line scripts and here-documents intact', async () => {
    const tool = bashTool(session);
    expect((await tool.run({ command: 'cat; echo "read: $?"' })).content).toBe('read: 0');
    const script = ["cat <<'EOF'", 'a ) $HOME `x`', 'EOF', 'if true; then', '  echo "done"', 'fi'].join('\n');
    expect((await tool.run({ command: script })).content).toBe('a ) $HOME `x`\ndone');
  });

  it('answers a syntax error as output, and the shell survives it', async () => {
    const tool = bashTool(session);
    const out = await tool.run({ command: 'echo "unterminated' });
    expect(out.content).toMatch(/unexpected EOF/);
    expect(out.content).toMatch(/exit code 2$/);
    expect((await tool.run({ command: 'echo alive' })).content).toBe('alive');
  });

  it('does not wait for background processes', async () => {
    const started = Date.now();
    const out = await bashTool(session).run({ command: 'sleep 30 & echo started' });
    expect(out.content).toBe('started');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('times out, says the shell was reset, and works again afterwards', async () => {
    const tool = bashTool(session, { timeoutMs: 500 });
    await tool.run({ command: 'cd /tmp && export MARK=1' });
    const started = Date.now();
    const out = await tool.run({ command: 'echo before; sleep 5; echo finished' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(out.isError).toBe(true);
    expect(out.content).toContain('before');
    expect(out.content).not.toContain('finished');
    expect(out.content).toContain('command timed out after 0.5 s; the shell was restarted');
    const again = await bashTool(session).run({ command: 'pwd; echo "mark=${MARK:-unset}"' });
    expect(again).toEqual({ content: `${sandbox.workspace}\nmark=unset`, isError: false });
  });

  it('kills the whole process group on timeout', async () => {
    const tool = bashTool(session, { timeoutMs: 500 });
    await tool.run({ command: '(sleep 60; touch leaked) & sleep 60' });
    await new Promise((r) => setTimeout(r, 300));
    const ps = await bashTool(session).run({ command: 'ps -eo args | grep -c "^sleep 60" || true' });
    expect(ps.content).toBe('0');
  });

  it('restarts on request', async () => {
    const tool = bashTool(session);
    await tool.run({ command: 'export KEEP=yes; cd sub' });
    expect(await tool.run({ restart: true })).toEqual({
      content: 'tool has been restarted.',
      isError: false,
    });
    expect((await tool.run({ command: 'echo "${KEEP:-gone} $(pwd)"' })).content).toBe(
      `gone ${sandbox.workspace}`,
    );
  });

  it('reports a shell that exited and starts a new one', async () => {
    const tool = bashTool(session);
    const out = await tool.run({ command: 'echo bye; exit 3' });
    expect(out.content).toContain('bye');
    expect(out.content).toContain('the shell exited with exit code 3');
    expect(out.content).toMatch(/exit code 3$/);
    expect((await tool.run({ command: 'echo fresh' })).content).toBe('fresh');
  });

  it('cuts a 1 MB output in the middle, keeping head and tail', async () => {
    const out = await bashTool(session).run({
      command:
        "echo FIRST-LINE; head -c 1000000 /dev/zero | tr '\\0' 'x' | fold -w 100; echo; echo LAST-LINE",
    });
    expect(out.content.length).toBeLessThan(31_000);
    expect(out.content.startsWith('FIRST-LINE\n')).toBe(true);
    expect(out.content.endsWith('LAST-LINE')).toBe(true);
    expect(out.content).toMatch(/\[\.\.\. [\d,]+ characters \([\d,]+ lines\) cut \.\.\.\]/);
    const cut = Number(/\[\.\.\. ([\d,]+) characters/.exec(out.content)?.[1]?.replace(/,/g, ''));
    expect(cut).toBeGreaterThan(970_000);
  });

  it('strips ANSI escapes', async () => {
    const out = await bashTool(session).run({ command: "printf '\\033[31mred\\033[0m plain\\n'" });
    expect(out.content).toBe('red plain');
  });

  it('answers bad input as an error result', async () => {
    const tool = bashTool(session);
    expect(await tool.run({ command: 42 })).toMatchObject({
      isError: true,
      content: expect.stringContaining('command'),
    });
    expect(await tool.run({})).toMatchObject({
      isError: true,
      content: expect.stringContaining('No command'),
    });
    expect(await tool.run(null)).toMatchObject({ isError: true });
  });

  it('runs without any secret in its environment', async () => {
    const out = await bashTool(session).run({ command: 'env' });
    for (const value of Object.values(planted)) expect(out.content).not.toContain(value);
    expect(out.content).not.toMatch(/^(ANTHROPIC|GITHUB|AWS)_/m);
    expect(out.content).toMatch(/^CI=true$/m);
    expect(out.content).toContain(`HOME=${sandbox.home}`);
  });

  it.runIf(isRoot)('runs as an unprivileged user that cannot read this process’s environment', async () => {
    const tool = bashTool(session);
    const id = await tool.run({ command: 'id -u' });
    expect(id.content).not.toBe('0');
    expect(Number(id.content)).toBe(sandbox.uid);
    const environ = await tool.run({ command: `cat /proc/${process.pid}/environ` });
    // In its own PID namespace (bubblewrap) our process is not even there; with a uid only, refused.
    expect(environ.content).toMatch(/No such file or directory|Permission denied/);
    expect(environ.content).not.toContain('sk-ant-secret');
    expect(environ.content).toMatch(/exit code 1$/);
    const mem = await tool.run({ command: `head -c 100 /proc/${process.pid}/mem` });
    expect(mem.content).toMatch(/No such file or directory|Permission denied|Input\/output error/);
    const home = await tool.run({ command: 'ls /root' });
    expect(home.content).toContain('Permission denied');
  });

  describe('BashSession', () => {
    it('returns output without a trailing newline as printed, and the exit status', async () => {
      expect(await session.run('printf abc')).toEqual({ output: 'abc', exitCode: 0, timedOut: false });
      expect(await session.run('(exit 7)')).toEqual({ output: '', exitCode: 7, timedOut: false });
    });

    it('runs concurrent calls one after the other in the same shell', async () => {
      const [a, b] = await Promise.all([
        session.run('sleep 0.2; export ORDER=first'),
        session.run('echo "$ORDER"'),
      ]);
      expect(a.exitCode).toBe(0);
      expect(b.output).toBe('first\n');
    });

    it('streams 20 MB through with bounded output', async () => {
      const small = new BashSession(sandbox, { maxOutputChars: 2_000 });
      try {
        const started = Date.now();
        const result = await small.run('head -c 20000000 /dev/urandom | base64 -w 76; echo END');
        expect(Date.now() - started).toBeLessThan(20_000);
        expect(result.exitCode).toBe(0);
        expect(result.output.length).toBeLessThan(2_200);
        expect(result.output.endsWith('END\n')).toBe(true);
        expect(result.output).toMatch(/\[\.\.\. 2[67],[\d,]+ characters \([\d,]+ lines\) cut \.\.\.\]/);
      } finally {
        await small.close();
      }
    });

    it('keeps multi-byte characters intact', async () => {
      expect((await session.run("printf 'héllo → wörld ✓\\n'")).output).toBe('héllo → wörld ✓\n');
    });

    it('says so when the shell died between commands', async () => {
      await session.run('(sleep 0.2; kill -9 $$) >/dev/null 2>&1 &');
      await new Promise((r) => setTimeout(r, 800));
      const result = await session.run('echo next');
      expect(result.output).toMatch(
        /^\(the shell was killed by SIGKILL after the previous command; this command ran in a new shell\)\nnext\n$/,
      );
    });

    it('close() ends a running command at once and refuses further commands', async () => {
      const own = new BashSession(sandbox);
      await own.run('true');
      const running = own.run('sleep 30');
      await new Promise((r) => setTimeout(r, 200));
      await own.close();
      const result = await running;
      expect(result.exitCode).toBeNull();
      expect(result.output).toContain('closed');
      await expect(own.run('true')).rejects.toThrow(/closed/);
    });
  });
});
