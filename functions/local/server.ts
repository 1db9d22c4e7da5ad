/**
 * `npm start`: the same Probot app as on Lambda, behind Probot's own server, with the embedded
 * store under `.data/` and a child process per task. Without app credentials it starts Probot's
 * setup flow from app.yml, so a newcomer can register the GitHub App from the browser.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Server, run } from 'probot';
import { readAppEnv } from '../../core/env.js';
import { connectStore } from '../../core/store/connect.js';
import { nightshiftApp } from '../app.js';
import { buildLocalDeps } from './local-deps.js';
import { recoverOrphans } from './recover.js';
import { statusPageHandler } from './status-page.js';
import { sweep } from '../sweeper/sweep.js';
import { guardWebhooks } from '../webhook/guard-webhooks.js';

const GRACE_MS = Number(process.env.NIGHTSHIFT_SHUTDOWN_GRACE_MS ?? 60_000);
const SWEEP_INTERVAL_MS = Number(process.env.NIGHTSHIFT_SWEEP_INTERVAL_MS ?? 60_000);
const WEBHOOK_PATH = '/api/github/webhooks';

export function dataDir(): string {
  return resolve(process.env.NIGHTSHIFT_DATA_DIR ?? '.data');
}

async function main(): Promise<void> {
  if (!process.env.APP_ID || !(process.env.PRIVATE_KEY || process.env.PRIVATE_KEY_PATH)) {
    console.log(
      'No GitHub App credentials yet: starting the setup flow. Open the URL below to register the app.',
    );
    await run(() => undefined);
    return;
  }
  const env = readAppEnv();
  const dir = dataDir();
  mkdirSync(dir, { recursive: true });
  const connection = await connectStore(process.env, {
    embeddedPath: resolve(dir, 'dynamo'),
    createTable: true,
  });
  const { deps, dispatcher, runner, ProbotWithEnv } = buildLocalDeps(env, connection);
  const { log, store } = deps;
  // The CLI talks to this process's store while it runs (the embedded store is single-process).
  const endpointFile = resolve(dir, 'endpoint');
  if (connection.endpoint) writeFileSync(endpointFile, `${connection.endpoint}\n`);

  const recovered = await recoverOrphans(deps);
  if (recovered.failed || recovered.redispatched)
    log.info(recovered, 'recovered tasks left by an earlier run');

  const server = new Server({
    Probot: ProbotWithEnv,
    port: env.PORT,
    host: process.env.HOST ?? '127.0.0.1',
    webhookPath: WEBHOOK_PATH,
    log: log.child({ name: 'server' }),
  });
  await server.load(async (app, options) => {
    await nightshiftApp({ store, dispatcher, appId: env.APP_ID, label: env.NIGHTSHIFT_LABEL, log })(
      app,
      options,
    );
    options.addHandler?.(statusPageHandler(store));
  });
  // Probot's middleware would read any body whole: the guard refuses oversized or unsigned ones first.
  guardWebhooks(await server.start(), { path: WEBHOOK_PATH, secret: env.WEBHOOK_SECRET });
  const sweeper = setInterval(() => {
    void sweep({ ...deps, runner }).catch((error: unknown) => log.error({ err: error }, 'sweep failed'));
  }, SWEEP_INTERVAL_MS);
  log.info(
    { port: env.PORT },
    'Nightshift listening: webhooks at POST /api/github/webhooks, status at /status',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweeper);
    log.info({ signal, running: runner.running }, 'stopping: no new webhooks; letting running tasks finish');
    await server.stop().catch(() => undefined);
    await dispatcher.idle();
    await runner.drain(GRACE_MS);
    await dispatcher.idle();
    rmSync(endpointFile, { force: true });
    await connection.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
