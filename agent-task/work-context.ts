/** What every step of the agent task shares: its dependencies, its record, and how to report. */
import type { Logger } from 'pino';
import type { RepositoryGateway } from '../core/github/repository-gateway.js';
import type { EndStatus } from '../core/lifecycle.js';
import type { Phase } from '../core/progress.js';
import type { Outcome } from '../core/report.js';
import type { TaskStore } from '../core/store/task-store.js';
import type { Agent } from './agent/port.js';
import type { McpSecrets } from './mcp/mcp-secrets.js';
import type { TokenMinter, TokenSource } from './github-access.js';
import type { Isolation, SandboxOptions } from './sandbox/sandbox.js';
import type { UidRange } from './sandbox/tool-identity.js';
import type { ProgressReporter } from './progress-reporter.js';
import type { SessionArchive } from './session/archive.js';
import type { SessionRecorder } from './session/recorder.js';
import type { SetupCacheDeps } from './setup/setup-cache.js';
import type { TaskRecord } from './task-record.js';

export interface AgentTaskDeps {
  store: TaskStore;
  /** The coding agent (main.ts builds the Anthropic one). */
  agent: Agent;
  /** The REST API, and where this task's installation tokens come from (no private key here). */
  github: { minter: TokenMinter; baseUrl: string };
  /** Parent of the task's temporary folder. */
  workRoot: string;
  /** How the tools are isolated: `auto` (default) picks the strongest the machine allows. */
  isolation?: 'auto' | Isolation;
  /** The range the tools' uid of each task is taken from (as root). */
  toolUids?: UidRange;
  log: Logger;
  /** Secret values to keep out of everything posted (API keys, the token nonce). */
  secrets: string[];
  workerId: string;
  progressIntervalMs?: number;
  /** How long a configured minute is; default 60,000 (tests shorten it). */
  minuteMs?: number;
  /** The deployment's maximum of `limits.minutes` (NIGHTSHIFT_MAX_TASK_MINUTES). */
  maxTaskMinutes?: number;
  /** Per-command time limit for the agent's shell. */
  commandTimeoutMs?: number;
  /** Aborted when the process is told to stop (SIGTERM): the task ends now, and cleans up. */
  stop?: AbortSignal;
  /** GitHub's write pacing in this process (core/github/octokit.ts); 0 when it is off. */
  writeIntervalMs?: number;
  /** Where setup caches are kept (a local folder or S3); unset: no cache. */
  setupCache?: SetupCacheDeps;
  /** The operator's secrets for MCP servers, by name (agent-task/mcp/mcp-secrets.ts). */
  mcpSecrets?: McpSecrets;
  /** How long an MCP server may take to start and list its tools; default 30 s. */
  mcpStartTimeoutMs?: number;
  /** Where the session's whole transcript goes at the end (a local folder or S3); unset: nowhere. */
  sessionArchive?: SessionArchive;
  /** The deployment's public address (NIGHTSHIFT_PUBLIC_URL): the check run links the task's page there. */
  publicUrl?: string;
}

export interface WorkContext {
  deps: AgentTaskDeps;
  log: Logger;
  record: TaskRecord;
  tokens: TokenSource;
  gateway: RepositoryGateway;
  progress: ProgressReporter;
  /** The session log being recorded (session/recorder.ts). */
  session: SessionRecorder;
  /** Every secret value known now (keys, the tokens issued so far), for redaction and push protection. */
  secrets: () => string[];
  /** Run in reverse order when the task ends, whatever happened. */
  cleanup: Array<() => Promise<unknown>>;
}

export interface Ended {
  status: EndStatus;
  outcome: Outcome;
  /** Writes that need not come before the conclusion (review requests, replies): made after it. */
  followUp?: () => Promise<void>;
}

/**
 * The task enters `phase`: the message goes to the task's progress log in the store, and the
 * phase shows on GitHub at once (through TaskSurface), whatever the progress throttle.
 */
export function enterPhase(ctx: WorkContext, phase: Phase, message: string, turn = 0): Promise<void> {
  const task = ctx.record.task;
  return ctx.progress.phase({ phase, turn, lastActions: [message], usage: task.usage }, message);
}

/** How each sandbox of this task's tools is made: the task's own, and a setup spare's maker. */
export function toolSandboxOptions(deps: AgentTaskDeps): Omit<SandboxOptions, 'taskDir'> {
  return {
    ...(deps.isolation ? { isolation: deps.isolation } : {}),
    ...(deps.toolUids ? { uids: deps.toolUids } : {}),
    hidden: [...(deps.setupCache?.hidden ?? []), ...(deps.sessionArchive?.hidden ?? [])],
  };
}
