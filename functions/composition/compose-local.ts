/**
 * The composition root's local parts (`npm start`, the CLI's `run`, the tests): the in-process
 * queue connected to dispatch, and a child process per task whose exit ends the task if it did not
 * end itself, and which gets its installation tokens from this process over its own channel.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { storeEnvironment } from '../../core/store/connect.js';
import type { TokenAnswer } from '../../core/task-token.js';
import type { Task } from '../../core/task.js';
import { handleDispatchMessage, type DispatchDeps } from '../dispatch/dispatch.js';
import { LocalDispatcher } from '../local/local-dispatcher.js';
import { onRunnerStopped } from '../runner-stopped.js';
import { LocalRunner } from '../runners/local-runner.js';
import { appTokenIssuer, mintTaskToken } from '../token/mint-task-token.js';
import type { IntakeComposition } from './compose-intake.js';

export interface LocalParts {
  /** The in-process queue, connected to dispatch; undefined when a caller gave its own dispatcher. */
  queue?: LocalDispatcher;
  /** This process's agent children, whatever runner dispatch uses: drained at shutdown. */
  children: LocalRunner;
  /** An installation token for a child's task (the children's channel). */
  tokens(task: Task): Promise<TokenAnswer>;
  /** Another runner of children like `children`, with this environment (tests). */
  childRunner(env: NodeJS.ProcessEnv): LocalRunner;
}

export function composeLocal(intake: IntakeComposition, deps: () => DispatchDeps): LocalParts {
  const { env, log, store, connection, processEnv } = intake;
  const issuer = appTokenIssuer({
    appId: env.APP_ID,
    privateKey: env.privateKey,
    baseUrl: env.GITHUB_API_URL,
  });
  const tokens = (task: Task) => mintTaskToken({ store, issuer, log }, { taskId: task.id }, 'channel');
  const childRunner = (childEnv: NodeJS.ProcessEnv) =>
    new LocalRunner({
      // LocalRunner passes only its allow-list of these: never the private key or the webhook secret.
      env: childEnv,
      tokens,
      log,
      onExit: (taskId, reason, runnerId) => onRunnerStopped(deps(), taskId, reason, 'failure', runnerId),
    });
  const children = childRunner({
    ...processEnv,
    // The store's endpoint, table and (embedded store) credential; the tools' environment
    // has none of them (agent-task/sandbox/tool-environment.ts copies an allow-list only).
    ...storeEnvironment(connection),
    GITHUB_API_URL: env.GITHUB_API_URL,
    ...optional('NIGHTSHIFT_SETUP_CACHE_DIR', setupCacheDir(processEnv)),
    ...optional('NIGHTSHIFT_SESSION_DIR', sessionDir(processEnv)),
  });
  const queue = intake.dispatcher instanceof LocalDispatcher ? intake.dispatcher : undefined;
  queue?.connect((message) => handleDispatchMessage(deps(), message));
  return { ...(queue ? { queue } : {}), children, tokens, childRunner };
}

/**
 * Where the children keep setup caches: `<data folder>/setup-cache`, a folder of this process's own
 * that the tools' sandbox hides (NIGHTSHIFT_SETUP_CACHE_DIR overrides; on AWS an S3 bucket). No
 * data folder (a `nightshift run` against another store, in any folder): no cache, and nothing
 * made where the command stands.
 */
export function setupCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NIGHTSHIFT_SETUP_CACHE_DIR) return resolve(env.NIGHTSHIFT_SETUP_CACHE_DIR);
  const data = resolve(env.NIGHTSHIFT_DATA_DIR ?? '.data');
  return existsSync(data) ? join(data, 'setup-cache') : undefined;
}

/** Where the children archive session transcripts: `<data folder>/sessions` (the same rules). */
export function sessionDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NIGHTSHIFT_SESSION_DIR) return resolve(env.NIGHTSHIFT_SESSION_DIR);
  const data = resolve(env.NIGHTSHIFT_DATA_DIR ?? '.data');
  return existsSync(data) ? join(data, 'sessions') : undefined;
}

function optional(name: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [name]: value };
}
