/**
 * The composition root's first layer: what every entry point builds from the environment, and all
 * the webhook needs (it only records and dispatches): the validated environment (secrets from
 * Secrets Manager on AWS), the logger, the store, the secrets to redact, and the dispatcher chosen
 * by where this runs: an async invoke of the dispatch Lambda on AWS, the in-process queue locally.
 * No GitHub access and no runner here, so the webhook's bundle carries neither (compose.ts adds them).
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Logger } from 'pino';
import { readAppEnv, type AppEnv } from '../../core/env.js';
import { createLogger, logFormat } from '../../core/log.js';
import type { Dispatcher, Runner } from '../../core/ports.js';
import { connectStore, type ConnectOptions, type StoreConnection } from '../../core/store/connect.js';
import type { TaskStore } from '../../core/store/task-store.js';
import type { WebhookDeps } from '../webhook/handle-webhook.js';
import { LambdaDispatcher } from '../lambda-dispatcher.js';
import { LocalDispatcher } from '../local/local-dispatcher.js';
import { resolveSecrets } from '../secrets.js';

/** Where the code runs: a Lambda function on AWS, or one local process (`npm start`, the CLI, tests). */
export type Placement = 'lambda' | 'local';

/** What a caller may pass instead of what the environment says: only what it stands in for. */
export interface CompositionOptions {
  /** Default: `lambda` when AWS_LAMBDA_FUNCTION_NAME is set, else `local`. */
  placement?: Placement;
  /** A store the caller opened (the embedded one under `.data/`, dynalite in tests). */
  connection?: StoreConnection;
  /** How to open the store when no `connection` is given. */
  connect?: ConnectOptions;
  log?: Logger;
  /** Instead of the placement's dispatcher (a recording one, a no-op). */
  dispatcher?: Dispatcher;
  /** On AWS, the dispatch Lambda to invoke; default DISPATCH_FUNCTION_NAME. */
  dispatchFunctionName?: string;
  /** Instead of the runner NIGHTSHIFT_RUNNER chooses (a recording runner). */
  runner?: Runner;
  /** Tasks of one installation at once; default NIGHTSHIFT_MAX_CONCURRENT_TASKS. */
  maxConcurrentTasks?: number;
}

export interface IntakeComposition {
  placement: Placement;
  /** The environment the composition was built from, secrets resolved. */
  processEnv: NodeJS.ProcessEnv;
  env: AppEnv;
  log: Logger;
  connection: StoreConnection;
  store: TaskStore;
  /** Values never to show on GitHub or in logs. */
  secrets(): string[];
  dispatcher: Dispatcher;
  /** The webhook's dependencies: the secret it verifies with, and intake's. */
  webhook: WebhookDeps;
}

export async function composeIntake(
  source: NodeJS.ProcessEnv,
  options: CompositionOptions = {},
): Promise<IntakeComposition> {
  const placement = options.placement ?? (source.AWS_LAMBDA_FUNCTION_NAME ? 'lambda' : 'local');
  const processEnv = placement === 'lambda' ? await resolveSecrets(source) : source;
  const env = readAppEnv(processEnv);
  const log = options.log ?? createLogger(env.LOG_LEVEL, logFormat(env.LOG_FORMAT));
  const connection = options.connection ?? (await connectStore(processEnv, options.connect));
  const store = connection.store;
  const secrets = () =>
    [env.privateKey, env.WEBHOOK_SECRET, processEnv.ANTHROPIC_API_KEY ?? ''].filter(Boolean);
  const dispatcher =
    options.dispatcher ??
    (placement === 'lambda'
      ? dispatchFunction(options.dispatchFunctionName ?? processEnv.DISPATCH_FUNCTION_NAME)
      : new LocalDispatcher(log));
  const intake = { store, dispatcher, appId: env.APP_ID, label: env.NIGHTSHIFT_LABEL, log };
  return {
    placement,
    processEnv,
    env,
    log,
    connection,
    store,
    secrets,
    dispatcher,
    webhook: { secret: env.WEBHOOK_SECRET, intake },
  };
}

/** The dispatch Lambda, invoked asynchronously. */
function dispatchFunction(name: string | undefined): LambdaDispatcher {
  if (!name) throw new Error('DISPATCH_FUNCTION_NAME is not set');
  return new LambdaDispatcher(new LambdaClient({}), name);
}
