/**
 * The agent container's entry: wiring only. Reads the task id and settings from the environment,
 * builds the clients once, and runs the task. The process exits 0 when the task ended (in any
 * terminal state) and 1 when it did not: then it stores why on the task record if it can
 * (exit-reason.ts), and says so on stderr.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import Anthropic from '@anthropic-ai/sdk';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { z } from 'zod';
import { writeIntervalMs } from '../core/github/octokit.js';
import { createLogger } from '../core/log.js';
import { connectStore } from '../core/store/connect.js';
import { anthropicAgent } from './agent/anthropic/loop.js';
import { describeFailure, exitReasonText, recordExitReason } from './exit-reason.js';
import type { TokenMinter } from './github-access.js';
import { loadMcpSecrets, mcpSecretsFromEnv, type McpSecrets } from './mcp/mcp-secrets.js';
import { runTask } from './run-task.js';
import { parseUidRange } from './sandbox/tool-identity.js';
import { LocalCacheStore } from './setup/local-cache-store.js';
import { SpareShelf } from './setup/setup-spares.js';
import { S3CacheStore } from './setup/s3-cache-store.js';
import type { SetupCacheDeps } from './setup/setup-cache.js';
import { ipcMinter, lambdaMinter } from './token-minters.js';
import type { SessionArchive } from './session/archive.js';
import { LocalSessionArchive } from './session/local-archive.js';
import { S3SessionArchive } from './session/s3-archive.js';

const Env = z.object({
  TASK_ID: z.string().min(1),
  /** On AWS: the token function to ask, with the nonce dispatch gave this task. Locally: unset. */
  NIGHTSHIFT_TOKEN_FUNCTION: z.string().min(1).optional(),
  NIGHTSHIFT_TOKEN_NONCE: z.string().min(1).optional(),
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  ANTHROPIC_API_KEY: z.string().min(1),
  NIGHTSHIFT_WORK_ROOT: z.string().default(tmpdir()),
  NIGHTSHIFT_TOOL_ISOLATION: z.enum(['auto', 'bubblewrap', 'uid', 'none']).default('auto'),
  NIGHTSHIFT_TOOL_UIDS: z.string().optional(),
  NIGHTSHIFT_PROGRESS_INTERVAL_MS: z.coerce.number().int().positive().default(10_000),
  NIGHTSHIFT_COMMAND_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(10 * 60_000),
  /** How long a configured "minute" is (limits.minutes, setupTimeoutMinutes); tests shorten it. */
  NIGHTSHIFT_MINUTE_MS: z.coerce.number().int().positive().default(60_000),
  /** The deployment's maximum of a repository's `limits.minutes`. */
  NIGHTSHIFT_MAX_TASK_MINUTES: z.coerce.number().int().positive().optional(),
  LOG_LEVEL: z.string().default('info'),
  /** The setup cache: an S3 bucket on AWS, else a folder of ours (the local runner sets it); neither: off. */
  NIGHTSHIFT_SETUP_CACHE_BUCKET: z.string().min(1).optional(),
  NIGHTSHIFT_SETUP_CACHE_DIR: z.string().min(1).optional(),
  NIGHTSHIFT_SETUP_CACHE_MAX_MB: z.coerce.number().int().positive().default(1024),
  NIGHTSHIFT_SETUP_CACHE_TOTAL_MB: z.coerce.number().int().positive().default(10_240),
  NIGHTSHIFT_SETUP_CACHE_DAYS: z.coerce.number().int().positive().default(14),
  NIGHTSHIFT_SETUP_SPARES: z.coerce.number().int().min(0).default(4),
  /** The session transcripts: an S3 bucket on AWS, else a folder of ours (the local runner sets it). */
  NIGHTSHIFT_SESSION_BUCKET: z.string().min(1).optional(),
  NIGHTSHIFT_SESSION_DIR: z.string().min(1).optional(),
  /** The deployment's public address: the check run's Details link goes to the task's page there. */
  NIGHTSHIFT_PUBLIC_URL: z.string().url().optional(),
});

/**
 * This runner's id, as the runner that started us knows it: the ECS task ARN (from the task
 * metadata endpoint) in a container, `local:<pid>` as a child of the local runner.
 */
async function runnerId(): Promise<string> {
  const metadata = process.env.ECS_CONTAINER_METADATA_URI_V4;
  if (metadata) {
    const task = (await fetch(`${metadata}/task`).then((r) => r.json())) as { TaskARN?: string };
    if (task.TaskARN) return task.TaskARN;
  }
  return `local:${process.pid}`;
}

/**
 * Where installation tokens come from: the token function on AWS (with this task's nonce), else
 * the local runner over this process's IPC channel. Never from a private key here.
 */
function tokenMinter(env: z.infer<typeof Env>): TokenMinter {
  if (env.NIGHTSHIFT_TOKEN_FUNCTION) {
    if (!env.NIGHTSHIFT_TOKEN_NONCE)
      throw new Error('NIGHTSHIFT_TOKEN_FUNCTION is set without NIGHTSHIFT_TOKEN_NONCE');
    return lambdaMinter(new LambdaClient({}), env.NIGHTSHIFT_TOKEN_FUNCTION, {
      taskId: env.TASK_ID,
      nonce: env.NIGHTSHIFT_TOKEN_NONCE,
    });
  }
  return ipcMinter();
}

/** The values this process holds that must never be printed or stored. */
function ownSecrets(env: NodeJS.ProcessEnv, mcp: McpSecrets = new Map()): string[] {
  return [env.ANTHROPIC_API_KEY, env.NIGHTSHIFT_TOKEN_NONCE, ...mcp.values()].filter((v): v is string =>
    Boolean(v),
  );
}

/** The MCP servers' secrets; one that cannot be read leaves the servers that need it unstarted. */
async function mcpSecrets(log: Logger): Promise<McpSecrets> {
  return loadMcpSecrets(process.env).catch((error: unknown) => {
    log.warn({ err: error }, 'the MCP secret cannot be read: servers that name a secret will not start');
    return mcpSecretsFromEnv(process.env);
  });
}

/** The setup cache's store, from the environment; a folder that cannot be opened means no cache. */
async function setupCache(env: z.infer<typeof Env>, log: Logger): Promise<SetupCacheDeps | undefined> {
  const maxBytes = env.NIGHTSHIFT_SETUP_CACHE_MAX_MB * 2 ** 20;
  if (env.NIGHTSHIFT_SETUP_CACHE_BUCKET) {
    return { store: new S3CacheStore(new S3Client({}), env.NIGHTSHIFT_SETUP_CACHE_BUCKET), maxBytes };
  }
  const dir = env.NIGHTSHIFT_SETUP_CACHE_DIR;
  if (!dir) return undefined;
  const options = {
    maxTotalBytes: env.NIGHTSHIFT_SETUP_CACHE_TOTAL_MB * 2 ** 20,
    maxAgeDays: env.NIGHTSHIFT_SETUP_CACHE_DAYS,
  };
  const spares = (store: LocalCacheStore) =>
    env.NIGHTSHIFT_SETUP_SPARES > 0
      ? { spares: SpareShelf.open(env.NIGHTSHIFT_WORK_ROOT, store.dir, env.NIGHTSHIFT_SETUP_SPARES) }
      : {};
  return LocalCacheStore.open(dir, options).then(
    (store) => ({ store, maxBytes, hidden: [dir], ...spares(store) }),
    (error: unknown) => {
      log.warn({ err: error, dir }, 'the setup cache folder cannot be used: no setup cache');
      return undefined;
    },
  );
}

/** Where the session's transcript is archived, from the environment; neither set: nowhere. */
async function sessionArchive(env: z.infer<typeof Env>, log: Logger): Promise<SessionArchive | undefined> {
  if (env.NIGHTSHIFT_SESSION_BUCKET)
    return new S3SessionArchive(new S3Client({}), env.NIGHTSHIFT_SESSION_BUCKET);
  const dir = env.NIGHTSHIFT_SESSION_DIR;
  if (!dir) return undefined;
  return LocalSessionArchive.open(dir).catch((error: unknown) => {
    log.warn({ err: error, dir }, 'the session folder cannot be used: no transcript is archived');
    return undefined;
  });
}

async function main(): Promise<void> {
  const taskId = process.env.TASK_ID;
  if (!taskId) throw new Error('TASK_ID is not set: the runner that starts the agent names its task');
  const runner = await runnerId();
  const { store, close } = await connectStore(process.env);
  const stop = new AbortController();
  try {
    const env = Env.parse(process.env);
    const minter = tokenMinter(env);
    const log = createLogger(env.LOG_LEVEL).child({ taskId: env.TASK_ID, component: 'agent-task' });
    // Stopped from outside (the local runner at shutdown, the sweeper, Ctrl-C in npm start's
    // terminal): end the task and clean up rather than die leaving the workspace behind.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        log.warn({ signal }, 'told to stop: ending the task');
        stop.abort(signal);
      });
    }
    const cache = await setupCache(env, log);
    const serverSecrets = await mcpSecrets(log);
    const archive = await sessionArchive(env, log);
    await runTask(
      {
        store,
        agent: anthropicAgent({ client: new Anthropic({ maxRetries: 4 }) }),
        github: { minter, baseUrl: env.GITHUB_API_URL },
        workRoot: env.NIGHTSHIFT_WORK_ROOT,
        isolation: env.NIGHTSHIFT_TOOL_ISOLATION,
        toolUids: parseUidRange(env.NIGHTSHIFT_TOOL_UIDS),
        log,
        secrets: ownSecrets(process.env, serverSecrets),
        mcpSecrets: serverSecrets,
        // The lease owner starts with the runner's id, so a stop event names its own task only.
        workerId: `${runner}:${randomUUID().slice(0, 8)}`,
        progressIntervalMs: env.NIGHTSHIFT_PROGRESS_INTERVAL_MS,
        commandTimeoutMs: env.NIGHTSHIFT_COMMAND_TIMEOUT_MS,
        minuteMs: env.NIGHTSHIFT_MINUTE_MS,
        ...(env.NIGHTSHIFT_MAX_TASK_MINUTES ? { maxTaskMinutes: env.NIGHTSHIFT_MAX_TASK_MINUTES } : {}),
        stop: stop.signal,
        writeIntervalMs: writeIntervalMs(),
        ...(cache ? { setupCache: cache } : {}),
        ...(archive ? { sessionArchive: archive } : {}),
        ...(env.NIGHTSHIFT_PUBLIC_URL ? { publicUrl: env.NIGHTSHIFT_PUBLIC_URL } : {}),
      },
      env.TASK_ID,
    );
  } catch (error) {
    // The task did not end itself: leave its reason where the control plane will read it.
    const reason = exitReasonText(
      describeFailure(error),
      ownSecrets(process.env, mcpSecretsFromEnv(process.env)),
    );
    await recordExitReason(store, taskId, runner, reason).catch(() => undefined);
    throw error;
  } finally {
    await close();
    if (process.connected) process.disconnect();
  }
  // Work interrupted by a stop may still hold timers or sockets: the task has ended, so go.
  if (stop.signal.aborted) process.exit(0);
}

main().catch((error: unknown) => {
  // stderr: the local runner keeps its last lines for the task's report; on ECS, CloudWatch.
  const secrets = ownSecrets(process.env, mcpSecretsFromEnv(process.env));
  console.error('agent-task failed:', exitReasonText(describeFailure(error), secrets));
  process.exitCode = 1;
});
