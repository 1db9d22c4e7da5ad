/**
 * `npm start`: the same webhook acceptance as on Lambda, behind a plain Node server, with the embedded
 * store under `.data/` and a child process per task. It reads `.env` first (a variable already set
 * wins), as the `nightshift` command does. Without any of the App's credentials it runs the setup
 * flow (setup-flow.ts) so a newcomer can register the GitHub App from the browser; with them, every
 * variable is checked before anything starts, and a problem stops the start in one line naming it.
 * With WEBHOOK_PROXY_URL, deliveries on that smee.io channel are forwarded to the webhook path.
 *
 * What is Nightshift's stays its own, away from the agent's tools on the same machine: `.data/` is
 * 0700 and its files 0600, `.env` is made 0600, the embedded store takes only requests signed with
 * the credential made at this start (the CLI reads it from `.data/store-credentials.json`), and
 * the status page wants the token this start prints.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { hasAppCredentials, readLocalServerEnv, type AppEnv } from '../../core/env.js';
import { createLogger, logFormat } from '../../core/log.js';
import { ensurePrivateDir, makeFilePrivate, writePrivateFile } from '../../core/store/private-files.js';
import { CREDENTIALS_FILE, formatCredentialsFile } from '../../core/store/store-credentials.js';
import { loadDotEnv } from './dot-env.js';
import { listen } from './http-server.js';
import { compose } from '../composition/compose.js';
import { unsupportedNode } from './node-support.js';
import { recoverOrphans } from './recover.js';
import { githubWebUrl } from '../../core/status/task-cells.js';
import { setupFlowHandler, webhookChannel } from './setup-flow.js';
import { newStatusToken } from './status-auth.js';
import { statusPageHandler } from './status-page.js';
import { forwardWebhooks } from './webhook-proxy.js';
import { webhookHandler } from '../webhook/node-webhooks.js';

const GRACE_MS = Number(process.env.NIGHTSHIFT_SHUTDOWN_GRACE_MS ?? 60_000);
const SWEEP_INTERVAL_MS = Number(process.env.NIGHTSHIFT_SWEEP_INTERVAL_MS ?? 60_000);
/** Deliveries GitHub could not make while this server was down are asked for again (as on AWS). */
const REDELIVERY_INTERVAL_MS = 10 * 60_000;
const WEBHOOK_PATH = '/api/github/webhooks';

export function dataDir(): string {
  return resolve(process.env.NIGHTSHIFT_DATA_DIR ?? '.data');
}

const ENV_FILE_WARNING = '.env was readable by other users: it is now 0600 (owner only)';

async function main(): Promise<void> {
  const oldNode = unsupportedNode();
  if (oldNode) {
    console.warn(oldNode);
    // Said once above; the AWS SDK would say it again in eight lines.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  }
  // Probot's setup flow (and older versions of ours) wrote .env readable by others.
  const envFile = resolve('.env');
  const envWasOpen = makeFilePrivate(envFile);
  loadDotEnv(envFile);
  if (!hasAppCredentials(process.env)) return setUp(envFile, envWasOpen);
  await serve(readLocalServerEnv(process.env), envWasOpen);
}

/** No App yet: serve the setup flow until the App is registered and its credentials are in .env. */
async function setUp(envFile: string, envWasOpen: boolean): Promise<void> {
  const log = createLogger(process.env.LOG_LEVEL, logFormat(process.env.LOG_FORMAT));
  if (envWasOpen) log.warn(ENV_FILE_WARNING);
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const githubApiUrl = process.env.GITHUB_API_URL ?? 'https://api.github.com';
  const proxyUrl = await webhookChannel({
    envFile,
    log,
    proxyUrl: process.env.WEBHOOK_PROXY_URL,
    noSmeeSetup: process.env.NO_SMEE_SETUP === 'true',
  });
  const handler = setupFlowHandler({
    envFile,
    webhookPath: WEBHOOK_PATH,
    githubApiUrl,
    organization: process.env.GH_ORG,
    proxyUrl,
    log,
  });
  await listen([handler], { port, host, log });
  log.info(
    `No GitHub App credentials yet: open http://${printable(host)}:${port} to register the GitHub App, then restart npm start`,
  );
}

async function serve(checked: AppEnv, envWasOpen: boolean): Promise<void> {
  const log = createLogger(checked.LOG_LEVEL, logFormat(checked.LOG_FORMAT));
  const dir = dataDir();
  ensurePrivateDir(dir);
  const composition = await compose(process.env, {
    placement: 'local',
    connect: { embeddedPath: resolve(dir, 'dynamo'), createTable: true },
    log,
  });
  const { env, store, deps, local, connection } = composition;
  if (!local?.queue) throw new Error('npm start: the local composition has no in-process queue');
  const { queue: dispatcher, children: runner } = local;
  if (envWasOpen) log.warn(ENV_FILE_WARNING);
  // The CLI talks to this process's store while it runs (the embedded store is single-process),
  // with the credential it was made with.
  const endpointFile = resolve(dir, 'endpoint');
  const credentialsFile = resolve(dir, CREDENTIALS_FILE);
  if (connection.endpoint) writePrivateFile(endpointFile, `${connection.endpoint}\n`);
  if (connection.credentials)
    writePrivateFile(credentialsFile, formatCredentialsFile(connection.credentials));
  else rmSync(credentialsFile, { force: true });

  // What tasks killed with an earlier run left: their workspaces, the tools' homes, their uids.
  await runner.cleanLeftovers();
  const recovered = await recoverOrphans(deps);
  if (recovered.failed || recovered.redispatched)
    log.info(recovered, 'recovered tasks left by an earlier run');

  const host = process.env.HOST ?? '127.0.0.1';
  const statusToken = newStatusToken();
  // The webhook door first: it reads a body under the size cap and the in-flight budget, then
  // hands the bytes to the one acceptance path (functions/webhook/accept-webhook.ts).
  const server = await listen(
    [
      webhookHandler(composition.webhook, { path: WEBHOOK_PATH }),
      statusPageHandler(store, { token: statusToken, githubUrl: githubWebUrl(env.GITHUB_API_URL) }),
    ],
    { port: env.PORT, host, log },
  );
  const proxy = env.WEBHOOK_PROXY_URL
    ? forwardWebhooks(env.WEBHOOK_PROXY_URL, `http://${printable(host)}:${env.PORT}${WEBHOOK_PATH}`, log)
    : undefined;
  const sweeper = setInterval(() => {
    void composition.sweep().catch((error: unknown) => log.error({ err: error }, 'sweep failed'));
  }, SWEEP_INTERVAL_MS);
  const redeliver = () =>
    void composition.redeliver().catch((error: unknown) => log.warn({ err: error }, 'redelivery failed'));
  redeliver();
  const redelivery = setInterval(redeliver, REDELIVERY_INTERVAL_MS);
  log.info(
    { port: env.PORT },
    `Nightshift listening: webhooks at POST ${WEBHOOK_PATH}` +
      `${env.WEBHOOK_PROXY_URL ? ` (and from ${env.WEBHOOK_PROXY_URL})` : ''}, ` +
      `status at http://${printable(host)}:${env.PORT}/status?token=${statusToken}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweeper);
    clearInterval(redelivery);
    await proxy?.stop();
    log.info({ signal, running: runner.running }, 'stopping: no new webhooks; letting running tasks finish');
    await new Promise((resolve) => server.close(resolve));
    await dispatcher.idle();
    await runner.drain(GRACE_MS);
    await dispatcher.idle();
    rmSync(endpointFile, { force: true });
    rmSync(credentialsFile, { force: true });
    await connection.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** An address a browser can open: a wildcard host is reached on loopback, IPv6 in brackets. */
function printable(host: string): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return reachable.includes(':') ? `[${reachable}]` : reachable;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
