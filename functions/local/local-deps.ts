/**
 * Local mode's dependencies, built in one place for the server (`npm start`) and the CLI
 * (`nightshift run`): Probot for GitHub access, the in-process dispatcher, and a child process
 * per task whose exit ends the task if it did not end itself, and which gets its tokens from here.
 */
import type { AppEnv } from '../../core/env.js';
import { type StoreConnection, storeEnvironment } from '../../core/store/connect.js';
import type { DispatchDeps } from '../dispatch/dispatch.js';
import { handleDispatchMessage } from '../dispatch/dispatch.js';
import { createLogger } from '../../core/log.js';
import { createProbot } from '../probot.js';
import { onRunnerStopped } from '../runner-stopped.js';
import { ecsRunnerFromEnv } from '../runners/ecs-runner.js';
import { LocalRunner } from '../runners/local-runner.js';
import { ECSClient } from '@aws-sdk/client-ecs';
import { appTokenIssuer, mintTaskToken } from '../token/mint-task-token.js';
import { sweep, type SweepDeps, type SweepReport } from '../sweeper/sweep.js';
import { LocalDispatcher } from './local-dispatcher.js';

export interface LocalDeps {
  /** Dispatch's dependencies; `deps.runner` is the runner chosen by NIGHTSHIFT_RUNNER. */
  deps: DispatchDeps;
  dispatcher: LocalDispatcher;
  /** This process's agent children (the local runner), whatever runner dispatch uses: drained at shutdown. */
  children: LocalRunner;
  /** One sweep, stopping runners through the chosen runner (ECS tasks with NIGHTSHIFT_RUNNER=ecs). */
  sweep(options?: Pick<SweepDeps, 'now'>): Promise<SweepReport>;
}

export function buildLocalDeps(env: AppEnv, connection: StoreConnection): LocalDeps {
  const log = createLogger(env.LOG_LEVEL);
  const probot = createProbot(env, log);
  const dispatcher = new LocalDispatcher(log);
  const secrets = () =>
    [env.privateKey, env.WEBHOOK_SECRET, process.env.ANTHROPIC_API_KEY ?? ''].filter(Boolean);
  const issuer = appTokenIssuer({
    appId: env.APP_ID,
    privateKey: env.privateKey,
    baseUrl: env.GITHUB_API_URL,
  });
  const local: LocalRunner = new LocalRunner({
    // LocalRunner passes only its allow-list of these: never the private key or the webhook secret.
    env: {
      ...process.env,
      // The store's endpoint, table and (embedded store) credential; the tools' environment
      // has none of them (agent-task/sandbox/tool-environment.ts copies an allow-list only).
      ...storeEnvironment(connection),
      GITHUB_API_URL: env.GITHUB_API_URL,
    },
    tokens: (task) => mintTaskToken({ store: connection.store, issuer, log }, { taskId: task.id }, 'channel'),
    log,
    onExit: (taskId, reason, runnerId) => onRunnerStopped(deps, taskId, reason, 'failure', runnerId),
  });
  // NIGHTSHIFT_RUNNER=ecs: the local server starts Fargate tasks, as dispatch does on AWS.
  const runner = env.NIGHTSHIFT_RUNNER === 'ecs' ? ecsRunnerFromEnv(process.env, new ECSClient({})) : local;
  const deps: DispatchDeps = {
    store: connection.store,
    octokitFor: (id) => probot.auth(id),
    runner,
    dispatcher,
    log,
    secrets,
    maxConcurrentTasks: env.NIGHTSHIFT_MAX_CONCURRENT_TASKS,
  };
  dispatcher.connect((message) => handleDispatchMessage(deps, message));
  return {
    deps,
    dispatcher,
    children: local,
    sweep: (options = {}) => sweep({ ...deps, ...options }),
  };
}
