/**
 * An MCP stdio transport whose server is a tool process: started through the sandbox
 * (`sandboxCommand`, as every tool process is: bubblewrap or the task's uid, in the workspace,
 * the tools' clean environment) plus only the variables its entry declares, in a process group
 * of its own so that stopping it stops everything it started. The SDK's own StdioClientTransport
 * cannot start a process as another uid or in its own group, so this one speaks the same framing
 * (the SDK's ReadBuffer and serializeMessage) over a process it spawned itself.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { sandboxCommand, type ToolSandbox } from '../sandbox/sandbox.js';

/** What is kept of a server's stderr: its end, to say why it failed. */
const STDERR_KEPT = 8_000;
/** How long a server may take to exit after its stdin closes and SIGTERM, before SIGKILL. */
const EXIT_GRACE_MS = 1_000;

export class SandboxStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly buffer = new ReadBuffer();
  private stderr = '';
  private exited: Promise<void> = Promise.resolve();
  /** How the process ended, once it has: for the note when it ended early. */
  exit: string | undefined;

  constructor(
    private readonly sandbox: ToolSandbox,
    private readonly argv: string[],
    private readonly env: Record<string, string>,
  ) {}

  /** The end of what the server wrote to stderr (not redacted: the caller redacts). */
  stderrTail(): string {
    return this.stderr;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('the MCP server was started already');
    const { file, args, options } = sandboxCommand(this.sandbox, this.argv);
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        ...options,
        env: { ...options.env, ...this.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.once('spawn', () => resolve());
      child.once('close', (code, signal) => {
        this.exit = signal ? `stopped by ${signal}` : `exited with code ${code}`;
        this.child = undefined;
        this.onclose?.();
      });
      child.stdin.on('error', (error) => this.onerror?.(error));
      child.stdout.on('data', (chunk: Buffer) => {
        try {
          this.buffer.append(chunk);
          for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage())
            this.onmessage?.(message);
        } catch (error) {
          // A line that is not JSON-RPC, or one larger than the buffer allows: the server is broken.
          this.onerror?.(error instanceof Error ? error : new Error(String(error)));
          void this.close();
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEPT);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const child = this.child;
    if (!child) return Promise.reject(new Error('the MCP server is not running'));
    return new Promise((resolve) => {
      if (child.stdin.write(serializeMessage(message))) resolve();
      else child.stdin.once('drain', resolve);
    });
  }

  /** Stop the server and everything it started: stdin closed, then its process group killed. */
  async close(): Promise<void> {
    const child = this.child;
    this.buffer.clear();
    if (!child?.pid) return;
    child.stdin.end();
    const gone = await Promise.race([this.exited.then(() => true), wait(EXIT_GRACE_MS)]);
    for (const signal of gone ? (['SIGKILL'] as const) : (['SIGTERM', 'SIGKILL'] as const)) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        return; // the group is gone
      }
      if (signal === 'SIGTERM') await Promise.race([this.exited, wait(EXIT_GRACE_MS)]);
    }
    await Promise.race([this.exited, wait(EXIT_GRACE_MS)]);
  }
}

function wait(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => resolve(false), ms).unref());
}
