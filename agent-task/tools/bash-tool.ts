/**
 * The shell tool (`bash`, of kind `shell`) over a persistent `BashSession`. Input is
 * `{ command?: string; restart?: boolean }`, the shape of Anthropic's bash tool, to which the
 * Anthropic backend maps it. A command that fails is not a tool error: the model gets its output
 * and "exit code N" and decides what to do. Timeouts, a shell that died and bad input are errors.
 */
import { z } from 'zod';
import type { BashSession } from './bash-session.js';
import { describeInputIssues, toolError, type AgentTool, type ToolOutcome } from './tool.js';

export interface BashToolOptions {
  /** Per-command timeout; default the session's (10 minutes). */
  timeoutMs?: number;
}

const BashInput = z.object({
  command: z.string().optional(),
  restart: z.boolean().optional(),
});

export function bashTool(session: BashSession, options: BashToolOptions = {}): AgentTool {
  return {
    name: 'bash',
    spec: { kind: 'shell' },
    async run(input: unknown): Promise<ToolOutcome> {
      const parsed = BashInput.safeParse(input);
      if (!parsed.success)
        return toolError(`Invalid input for bash: ${describeInputIssues(parsed.error.issues)}`);
      const { command, restart } = parsed.data;
      try {
        if (restart) {
          await session.restart();
          if (command === undefined || command.trim() === '')
            return { content: 'tool has been restarted.', isError: false };
        }
        if (command === undefined || command.trim() === '') {
          return toolError('No command provided. Give `command`, or `restart: true` to restart the shell.');
        }
        const result = await session.run(
          command,
          options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {},
        );
        const parts: string[] = [];
        if (restart) parts.push('tool has been restarted.');
        if (result.output !== '') parts.push(result.output.replace(/\n+$/, ''));
        if (result.exitCode !== null && result.exitCode !== 0) parts.push(`exit code ${result.exitCode}`);
        if (parts.length === 0) parts.push('(no output)');
        return { content: parts.join('\n\n'), isError: result.timedOut || result.exitCode === null };
      } catch (error) {
        return toolError(`The bash tool failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  };
}
