/** What a command touches of its process: its output streams, environment and folder. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width, when a terminal. */
  columns?: number;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Calls `handler` on Ctrl-C instead of ending the process; returns a function that undoes it. */
  onInterrupt?(handler: () => void): () => void;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
  };
}
