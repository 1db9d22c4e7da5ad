/**
 * One persistent bash process for the agent, as Anthropic's bash tool expects: `cd`, exported
 * variables and shell functions persist from one command to the next.
 *
 * How a command runs: it is sent on the shell's stdin inside a quoted here-document (so no text in
 * it can end the document early or be read as our own script), evaluated with stdin from
 * /dev/null (a command reading stdin sees EOF instead of swallowing the rest of our script), and
 * followed by a `printf` of a sentinel that is new for every command and carries `$?`. The output
 * is everything up to the sentinel; stderr is merged into stdout (`exec 2>&1`). Background jobs
 * (`cmd &`) do not hold the sentinel up, since we never wait for the pipe to close.
 *
 * The shell runs in the task's sandbox (../sandbox/sandbox.ts), in its own process group, so a
 * timeout kills the command and everything it started: under bubblewrap the whole sandbox dies with
 * its first process; with a uid of the task's own, what called setsid is killed at the task's end.
 *
 * Output is captured with a bounded head + tail (output-limit.ts): a command printing a gigabyte
 * costs a few tens of kilobytes of memory and reaches the model cut in the middle, with a note.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { cleanTerminalText, OutputLimiter } from './output-limit.js';
import { sandboxCommand, type ToolSandbox } from '../sandbox/sandbox.js';

export interface BashSessionOptions {
  /** Characters of output kept per command (head + tail); default 30,000. */
  maxOutputChars?: number;
  /** Timeout when `run` is given none; default 10 minutes. */
  defaultTimeoutMs?: number;
  /** The bash binary; default `bash` from the sandbox's PATH. */
  shell?: string;
}

export interface BashRunResult {
  /** stdout and stderr merged, ANSI escapes removed, cut in the middle when long. */
  output: string;
  /** `$?` of the command; null when it did not finish (timeout, or the shell died). */
  exitCode: number | null;
  timedOut: boolean;
  /** The shell itself ended (the command ran `exit`, or was killed); the next run starts a new one. */
  shellExited?: boolean;
}

interface Pending {
  sentinel: string;
  limiter: OutputLimiter;
  /** Characters not yet known not to be the beginning of the sentinel line. */
  holdback: string;
  finish: (result: {
    exitCode: number | null;
    note?: string;
    timedOut?: boolean;
    shellExited?: boolean;
  }) => void;
}

/** One bash process and what is known about it. */
interface Shell {
  child: ChildProcessWithoutNullStreams;
  alive: boolean;
  pending?: Pending;
  exitNote?: string;
}

export class BashSessionClosedError extends Error {
  override readonly name = 'BashSessionClosedError';
}

export class BashSession {
  private shell?: Shell;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Said once, on the next command, when the shell ended between commands. */
  private lostNote?: string;
  private readonly maxOutputChars: number;
  private readonly defaultTimeoutMs: number;

  constructor(
    private readonly sandbox: ToolSandbox,
    private readonly options: BashSessionOptions = {},
  ) {
    this.maxOutputChars = options.maxOutputChars ?? 30_000;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 10 * 60_000;
  }

  /** Run one command in the persistent shell; calls are serialised. Never rejects for a command
   * failure: a failing command is a result with its exit code. Rejects only once `close`d. */
  run(command: string, options: { timeoutMs?: number } = {}): Promise<BashRunResult> {
    return this.enqueue(() => this.runNow(command, options.timeoutMs ?? this.defaultTimeoutMs));
  }

  /** Kill the shell (and its process group) and start a fresh one on the next command. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      this.kill();
      this.lostNote = undefined;
    });
  }

  /** Kill the shell for good; a running command resolves at once as not finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.kill('the shell session was closed');
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private runNow(command: string, timeoutMs: number): Promise<BashRunResult> {
    if (this.closed) return Promise.reject(new BashSessionClosedError('the shell session is closed'));
    const preface = this.lostNote;
    this.lostNote = undefined;
    const shell = this.shell?.alive ? this.shell : this.start();
    const id = randomBytes(12).toString('hex');
    const sentinel = `__NIGHTSHIFT_DONE_${id}__`;
    const heredoc = `__NIGHTSHIFT_CMD_${id}__`;
    const limiter = new OutputLimiter(this.maxOutputChars);

    return new Promise<BashRunResult>((resolve) => {
      const pending: Pending = {
        sentinel,
        limiter,
        holdback: '',
        finish: ({ exitCode, note, timedOut = false, shellExited }) => {
          if (shell.pending !== pending) return;
          shell.pending = undefined;
          clearTimeout(timer);
          limiter.push(pending.holdback);
          pending.holdback = '';
          let output = cleanTerminalText(limiter.text());
          if (preface) output = `(${preface})\n${output}`;
          if (note) output = `${output}${output === '' || output.endsWith('\n') ? '' : '\n'}${note}`;
          resolve({ output, exitCode, timedOut, ...(shellExited ? { shellExited } : {}) });
        },
      };
      shell.pending = pending;
      const timer = setTimeout(() => {
        this.killShell(shell);
        const seconds = Number((timeoutMs / 1000).toFixed(1));
        pending.finish({
          exitCode: null,
          timedOut: true,
          note: `command timed out after ${seconds} s; the shell was restarted — state such as cwd and variables was reset`,
        });
      }, timeoutMs);
      if (!shell.alive) {
        // The spawn itself failed; `exitNote` says why.
        pending.finish({
          exitCode: null,
          shellExited: true,
          note: shell.exitNote ?? 'the shell could not be started',
        });
        return;
      }
      const text = command.replace(/\0/g, '');
      shell.child.stdin.write(
        `IFS= builtin read -r -d '' __nightshift_cmd <<'${heredoc}'\n${text}\n${heredoc}\n` +
          `{ builtin eval "$__nightshift_cmd"\n} < /dev/null\n` +
          `builtin printf '\\n${sentinel} %s\\n' "$?"\n`,
      );
    });
  }

  private start(): Shell {
    const { file, args, options } = sandboxCommand(this.sandbox, [
      this.options.shell ?? 'bash',
      '--noprofile',
      '--norc',
    ]);
    const child = spawn(file, args, { ...options, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const shell: Shell = { child, alive: true };
    this.shell = shell;
    // detached: the shell outlives us unless we take it along when this process exits.
    const takeAlong = () => killGroup(child.pid);
    process.once('exit', takeAlong);
    child.once('exit', () => process.removeListener('exit', takeAlong));
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => onOutput(shell, chunk));
    // Only what bash says before `exec 2>&1` takes effect arrives here.
    child.stderr.on('data', (chunk: string) => shell.pending?.limiter.push(chunk));
    child.stdin.on('error', () => undefined); // EPIPE after the shell died: the exit handler reports it
    child.on('error', (error) => {
      shell.exitNote = `the shell could not be started: ${error.message}`;
      this.shellEnded(shell, null);
    });
    child.on('exit', (code, signal) => {
      // bubblewrap reports its child's death by signal N as exit code 128 + N, as a shell does.
      const killedBy = signal ?? signalOf(code);
      shell.exitNote = killedBy
        ? `the shell was killed by ${killedBy}`
        : `the shell exited with exit code ${code ?? 'unknown'}`;
      // Read what is still in the pipe, but do not wait on background jobs that hold it open.
      const grace = setTimeout(() => this.shellEnded(shell, code), 250);
      child.stdout.once('close', () => {
        clearTimeout(grace);
        this.shellEnded(shell, code);
      });
      killGroup(child.pid);
    });
    child.stdin.write('exec 2>&1\n');
    return shell;
  }

  private shellEnded(shell: Shell, code: number | null): void {
    const wasAlive = shell.alive;
    shell.alive = false;
    if (shell.pending) {
      shell.pending.finish({
        exitCode: code,
        shellExited: true,
        note: `${shell.exitNote ?? 'the shell ended'}; a new shell will run the next command — state such as cwd and variables was reset`,
      });
    } else if (wasAlive && this.shell === shell && !this.closed) {
      this.lostNote = `${shell.exitNote ?? 'the shell ended'} after the previous command; this command ran in a new shell`;
    }
  }

  /** Kill the current shell; a command in flight finishes with `note`. */
  private kill(note = 'the shell was restarted'): void {
    const shell = this.shell;
    if (!shell) return;
    this.killShell(shell);
    shell.pending?.finish({ exitCode: null, shellExited: true, note });
  }

  private killShell(shell: Shell): void {
    shell.alive = false;
    if (this.shell === shell) this.shell = undefined;
    killGroup(shell.child.pid);
    shell.child.stdin.destroy();
  }
}

function onOutput(shell: Shell, chunk: string): void {
  const pending = shell.pending;
  if (!pending) return; // output of background jobs between commands
  const marker = `\n${pending.sentinel} `;
  const combined = pending.holdback + chunk;
  const at = combined.indexOf(marker);
  if (at === -1) {
    // Keep back a possible beginning of the marker split across chunks.
    const keep = Math.min(combined.length, marker.length - 1);
    pending.limiter.push(combined.slice(0, combined.length - keep));
    pending.holdback = combined.slice(combined.length - keep);
    return;
  }
  pending.limiter.push(combined.slice(0, at));
  const end = combined.indexOf('\n', at + marker.length);
  if (end === -1) {
    pending.holdback = combined.slice(at);
    return;
  }
  pending.holdback = '';
  const status = Number.parseInt(combined.slice(at + marker.length, end), 10);
  pending.finish({ exitCode: Number.isNaN(status) ? null : status });
}

function signalOf(code: number | null): string | undefined {
  if (code === null || code <= 128) return undefined;
  return Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
