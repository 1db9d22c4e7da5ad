/**
 * The two webhook handlers under test, built in-process the way their Lambda entries build them
 * once per cold start: ours (`handleWebhook` with what the composition root's first layer builds,
 * functions/composition/compose-intake.ts) and the stock adapter's
 * (`createLambdaFunction` + the equivalent app, Probot 13). Both log at info to /dev/null (Lambda
 * writes logs synchronously to its pipe), both keep the store on dynalite, and dispatch is a no-op.
 */
import adapter from '@probot/adapter-aws-lambda-serverless';
import type { Context as LambdaContext, LambdaFunctionURLEvent } from 'aws-lambda';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { connectStore } from '../../core/store/connect.js';
import { composeIntake } from '../../functions/composition/compose-intake.js';
import { handleWebhook } from '../../functions/webhook/handle-webhook.js';
import { stockApp } from '../stock/stock-app.js';
import { unthrottledOctokit } from '../stock/unthrottled-octokit.js';
import type { GitHubInfo } from '../support/stand-ins-client.js';

export type Side = 'nightshift' | 'stock';

export interface HandlerUnderTest {
  /** Answers one delivery; resolves with the HTTP status of the answer. */
  handle(event: LambdaFunctionURLEvent): Promise<number>;
  close(): Promise<void>;
  /** Milliseconds of each store request since the last `takeStoreTimes()`. */
  takeStoreTimes(): number[];
}

export interface HandlerSetup {
  github: GitHubInfo;
  dynamoEndpoint: string;
  tableName: string;
  secret: string;
}

const noDispatch = { send: async () => undefined };

export function benchLogger(): Logger {
  return pino(
    { level: 'info', base: { service: 'nightshift' } },
    pino.destination({ dest: '/dev/null', sync: true }),
  );
}

export async function buildHandler(side: Side, setup: HandlerSetup): Promise<HandlerUnderTest> {
  const connection = await connectStore({
    DYNAMODB_ENDPOINT: setup.dynamoEndpoint,
    TABLE_NAME: setup.tableName,
  });
  const log = benchLogger();
  const close = () => connection.close();
  // Time every store request: how much of an answer is the store's, how much our own.
  let storeTimes: number[] = [];
  const send = connection.client.send.bind(connection.client) as (...args: unknown[]) => Promise<unknown>;
  connection.client.send = (async (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return await send(...args);
    } finally {
      storeTimes.push(performance.now() - t0);
    }
  }) as typeof connection.client.send;
  const takeStoreTimes = () => {
    const taken = storeTimes;
    storeTimes = [];
    return taken;
  };
  if (side === 'nightshift') {
    const { webhook } = await composeIntake(
      {
        APP_ID: String(setup.github.appId),
        PRIVATE_KEY: setup.github.privateKey,
        WEBHOOK_SECRET: setup.secret,
        GITHUB_API_URL: setup.github.url,
      },
      { placement: 'lambda', connection, log, dispatcher: noDispatch },
    );
    return {
      handle: async (event) => statusOf(await handleWebhook(webhook, event)),
      close,
      takeStoreTimes,
    };
  }
  const probot = new adapter.Probot({
    appId: setup.github.appId,
    privateKey: setup.github.privateKey,
    secret: setup.secret,
    baseUrl: setup.github.url,
    // Probot 13 types its logger with its own pino 9; the instance is the same kind of object.
    log: log as never,
    Octokit: unthrottledOctokit(),
  });
  const lambda = adapter.createLambdaFunction(
    stockApp({
      store: connection.store,
      dispatcher: noDispatch,
      appId: setup.github.appId,
      label: 'agent',
      log,
    }),
    { probot },
  );
  return {
    handle: async (event) => statusOf(await lambda(event, {} as LambdaContext)),
    close,
    takeStoreTimes,
  };
}

function statusOf(result: string | { statusCode?: number }): number {
  return typeof result === 'string' ? 200 : (result.statusCode ?? 200);
}
