/**
 * The MCP servers in a task: started after the setup commands (so a server can use what the
 * setup installed), stopped by the task's clean-up on every end, and what failed said twice: to
 * the agent in its first message, and on the check run with the task's result.
 */
import type { RepoConfig } from '../../core/config.js';
import { redactSecrets } from '../../core/sanitize.js';
import type { ToolSandbox } from '../sandbox/sandbox.js';
import { fenced } from '../setup/setup-failure.js';
import { enterPhase, type Ended, type WorkContext } from '../work-context.js';
import {
  NO_MCP_SERVERS,
  startMcpServers,
  type McpServerFailure,
  type McpServers,
} from './start-mcp-servers.js';

export async function startTaskMcpServers(
  ctx: WorkContext,
  sandbox: ToolSandbox,
  config: RepoConfig,
): Promise<McpServers> {
  const names = Object.keys(config.mcpServers);
  if (names.length === 0) return NO_MCP_SERVERS;
  await enterPhase(ctx, 'setup', `Starting MCP servers: ${names.join(', ')}`);
  const servers = await startMcpServers({
    servers: config.mcpServers,
    sandbox,
    secrets: ctx.deps.mcpSecrets ?? new Map(),
    redact: (text) => redactSecrets(text, ctx.secrets()),
    log: ctx.log,
    ...(ctx.deps.mcpStartTimeoutMs ? { startTimeoutMs: ctx.deps.mcpStartTimeoutMs } : {}),
  });
  ctx.cleanup.push(() => servers.close());
  for (const failure of servers.failures)
    await ctx.deps.store.appendLog(ctx.record.task.id, 'setup', `MCP server ${failure.server} did not start`);
  return servers;
}

/** Told to the agent first: which servers' tools it does not have. */
export function mcpFailureNote(failures: readonly McpServerFailure[]): string {
  if (failures.length === 0) return '';
  const names = failures.map((f) => `\`${f.server}\``).join(', ');
  return `\n\nThe MCP server${failures.length > 1 ? 's' : ''} ${names} did not start, so ${failures.length > 1 ? 'their' : 'its'} tools are not available in this task.`;
}

/** The task's end, with a section on the check run for each server that did not start. */
export function withMcpNotes(ended: Ended, failures: readonly McpServerFailure[]): Ended {
  if (failures.length === 0) return ended;
  const notes = failures.map(
    (f) =>
      `- \`${f.server}\` did not start: ${f.reason}.${f.stderr ? `\n\nIts stderr ended with:\n\n${fenced(f.stderr)}` : ''}`,
  );
  const section = `**MCP servers**\n\n${notes.join('\n\n')}\n\nFix the entry (\`mcpServers\` in .github/nightshift.yml on the default branch); the task went on without ${failures.length > 1 ? 'them' : 'it'}.`;
  const summary = ended.outcome.summary ? `${ended.outcome.summary}\n\n${section}` : section;
  return { ...ended, outcome: { ...ended.outcome, summary } };
}
