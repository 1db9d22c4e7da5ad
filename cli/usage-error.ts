/** A mistake in the command line: the command prints it with a pointer to its help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose help explains the fix; undefined for the top-level help. */
    readonly command?: string,
  ) {
    super(message);
  }
}
