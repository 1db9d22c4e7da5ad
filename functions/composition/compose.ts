/**
 * The composition root: every entry point (the Lambda handlers, `npm start`, the CLI's `run`, the
 * test harness and the benchmark) builds its dependencies here, from the environment, and passes
 * overrides only for what it stands in for. On top of compose-intake.ts's layer: GitHub access
 * (the App's installation tokens, through Probot's auth), the runner (ECS on AWS; locally the one
 * NIGHTSHIFT_RUNNER names, child processes by default), and the handlers' dependencies.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import type { Octokit } from '../../core/github/repository-gateway.js';
import type { Runner } from '../../core/ports.js';
import type { DispatchDeps } from '../dispatch/dispatch.js';
import { createProbot } from '../probot.js';
import { ecsRunnerFromEnv } from '../runners/ecs-runner.js';
import { redeliverFailed, type RedeliveryReport } from '../redelivery/redeliver.js';
import { sweep, type SweepDeps, type SweepReport } from '../sweeper/sweep.js';
import { composeIntake, type CompositionOptions, type IntakeComposition } from './compose-intake.js';
import { composeLocal, type LocalParts } from './compose-local.js';
import { taskPageUrl } from '../../core/status/task-page-url.js';

export type { CompositionOptions, Placement } from './compose-intake.js';

export interface Composition extends IntakeComposition {
  /** An Octokit authenticated as the App's installation. */
  octokitFor(installationId: number): Promise<Octokit>;
  /**
   * Dispatch's dependencies, which are also the sweeper's and those of a runner that stopped.
   * `deps.runner` is the runner chosen here; tests may swap it.
   */
  deps: DispatchDeps;
  /** Local placement only: the in-process queue and this process's agent children. */
  local?: LocalParts;
  /** One sweep, stopping runners through `deps.runner`. */
  sweep(options?: Pick<SweepDeps, 'now'>): Promise<SweepReport>;
  /** Ask GitHub again for the webhook deliveries that failed (functions/redelivery/). */
  redeliver(): Promise<RedeliveryReport>;
}

export async function compose(
  source: NodeJS.ProcessEnv,
  options: CompositionOptions = {},
): Promise<Composition> {
  const intake = await composeIntake(source, options);
  const { env, log, store, dispatcher, secrets, processEnv } = intake;
  const probot = createProbot(env, log);
  const octokitFor = (id: number) => probot.auth(id) as Promise<Octokit>;
  // The local children report their exits through `deps`, and the queue dispatches with them.
  const local = intake.placement === 'local' ? composeLocal(intake, () => deps) : undefined;
  // On AWS the runner is always ECS (the Lambdas leave NIGHTSHIFT_RUNNER unset); locally, the
  // children unless NIGHTSHIFT_RUNNER=ecs, when `npm start` starts Fargate tasks as dispatch does.
  const runner: Runner =
    options.runner ??
    (local && env.NIGHTSHIFT_RUNNER === 'local'
      ? local.children
      : ecsRunnerFromEnv(processEnv, new ECSClient({})));
  const deps: DispatchDeps = {
    store,
    octokitFor,
    runner,
    dispatcher,
    log,
    secrets,
    detailsUrl: (task) => taskPageUrl(env.NIGHTSHIFT_PUBLIC_URL, task.id),
    maxConcurrentTasks: options.maxConcurrentTasks ?? env.NIGHTSHIFT_MAX_CONCURRENT_TASKS,
    ...(env.NIGHTSHIFT_MAX_DEPLOYMENT_TASKS !== undefined
      ? { maxDeploymentTasks: env.NIGHTSHIFT_MAX_DEPLOYMENT_TASKS }
      : {}),
    ...(env.NIGHTSHIFT_INSTALLATION_MONTHLY_USD !== undefined
      ? { installationMonthlyUsd: env.NIGHTSHIFT_INSTALLATION_MONTHLY_USD }
      : {}),
  };
  return {
    ...intake,
    octokitFor,
    deps,
    ...(local ? { local } : {}),
    redeliver: () => redeliverFailed({ store, log, appOctokit: () => probot.auth() as Promise<Octokit> }),
    sweep: (sweepOptions = {}) =>
      sweep({ ...deps, maxTaskMinutes: env.NIGHTSHIFT_MAX_TASK_MINUTES, ...sweepOptions }),
  };
}
