/**
 * What a failed setup command says: on the check run when the task stops (`setupFailure: fail`,
 * the default), or to the agent in its first message (`setupFailure: continue`). The command's
 * output tail is quoted with the task's secrets redacted.
 */
import { redactSecrets } from '../../core/sanitize.js';

export interface SetupFailure {
  command: string;
  /** null when it did not finish. */
  exitCode: number | null;
  timedOut: boolean;
  /** It never ran: the setup time limit was used up by the commands before it. */
  skipped: boolean;
  /** The end of what it printed (stdout and stderr), secrets redacted. */
  tail: string;
}

const TAIL_LINES = 40;
const TAIL_CHARS = 4_000;

/** The last lines of `output`, redacted: what a person needs to see why a command failed. */
export function outputTail(output: string, secrets: readonly string[]): string {
  const lines = output.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  const cut = lines.length > TAIL_CHARS ? `…${lines.slice(-TAIL_CHARS)}` : lines;
  return redactSecrets(cut, secrets);
}

export function howItFailed(failure: SetupFailure): string {
  if (failure.skipped) return 'did not run: the setup time limit was used up';
  if (failure.timedOut) return 'ran out of time';
  return `failed (exit code ${failure.exitCode ?? 'unknown'})`;
}

/** A fence longer than any run of backticks in `text`, so quoted output cannot close it. */
export function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}

function quoted(failure: SetupFailure): string {
  return failure.tail ? `\n\nIts output ended with:\n\n${fenced(failure.tail)}` : '';
}

export class SetupFailedError extends Error {
  override readonly name = 'SetupFailedError';
  /** The check run's title: the command's first line, short. */
  get headline(): string {
    const line = this.failure.command.split('\n')[0]!.trim();
    return `Setup failed: ${line.length > 60 ? `${line.slice(0, 59)}…` : line}`;
  }
  constructor(readonly failure: SetupFailure) {
    super(
      `The setup command \`${failure.command}\` ${howItFailed(failure)}, so the agent did not start.` +
        `${quoted(failure)}\n\nFix the command (\`setup\` in .github/nightshift.yml) and press Retry, or set ` +
        '`setupFailure: continue` to let the agent work without it.',
    );
  }
}

/** Said to the agent first when the setup failed and the repository asked to continue anyway. */
export function setupFailureNote(failures: readonly SetupFailure[]): string {
  if (failures.length === 0) return '';
  const each = failures.map(
    (f) =>
      `- \`${f.command}\` ${howItFailed(f)}.${f.tail ? `\n\n<setup_output>\n${f.tail}\n</setup_output>` : ''}`,
  );
  return (
    `\n\nBefore you started, the repository's setup did not complete, so dependencies or build ` +
    `outputs may be missing:\n\n${each.join('\n\n')}\n\nIf the task needs them, fix or rerun the ` +
    'setup in the workspace first, and mention in your summary that the setup failed.'
  );
}
