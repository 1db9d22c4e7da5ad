/**
 * `npm start`: the same webhook acceptance as on Lambda, behind a plain Node server, with the embedded
 * store under `.data/` and a child process per task. Without app credentials it starts Probot's
 * setup flow from app.yml, so a newcomer can register the GitHub App from the browser.
 *
 * What is Nightshift's stays its own, away from the agent's tools on the same machine: `.data/` is
 * 0700 and its files 0600, `.env` is made 0600, the embedded store takes only requests signed with
 * the credential made at this start (the CLI reads it from `.data/store-credentials.json`), and
 * the status page wants the token this start prints.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { run } from 'probot';
import { ensurePrivateDir, makeFilePrivate, writePrivateFile } from '../../core/store/private-files.js';
import { CREDENTIALS_FILE, formatCredentialsFile } from '../../core/store/store-credentials.js';
import { listen } from './http-server.js';
import { compose } from '../composition/compose.js';
import { recoverOrphans } from './recover.js';
import { githubWebUrl } from '../../core/status/task-cells.js';
import { newStatusToken } from './status-auth.js';
import { statusPageHandler } from './status-page.js';
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
  // Probot's setup flow writes the App's private key into .env, keeping an existing file's mode.
  const envFile = resolve('.env');
  const envWasOpen = makeFilePrivate(envFile);
  if (!process.env.APP_ID || !(process.env.PRIVATE_KEY || process.env.PRIVATE_KEY_PATH)) {
    if (envWasOpen) console.warn(ENV_FILE_WARNING);
    writeFileSync(envFile, '', { flag: 'a', mode: 0o600 });
    console.log(
      'No GitHub App credentials yet: starting the setup flow. Open the URL below to register the app.',
    );
    await run(() => undefined);
    return;
  }
  const dir = dataDir();
  ensurePrivateDir(dir);
  const composition = await compose(process.env, {
    placement: 'local',
    connect: { embeddedPath: resolve(dir, 'dynamo'), createTable: true },
  });
  const { env, log, store, deps, local, connection } = composition;
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
  const sweeper = setInterval(() => {
    void composition.sweep().catch((error: unknown) => log.error({ err: error }, 'sweep failed'));
  }, SWEEP_INTERVAL_MS);
  const redeliver = () =>
    void composition.redeliver().catch((error: unknown) => log.warn({ err: error }, 'redelivery failed'));
  redeliver();
  const redelivery = setInterval(redeliver, REDELIVERY_INTERVAL_MS);
  const pageHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  log.info(
    { port: env.PORT },
    `Nightshift listening: webhooks at POST ${WEBHOOK_PATH}, ` +
      `status at http://${pageHost.includes(':') ? `[${pageHost}]` : pageHost}:${env.PORT}/status?token=${statusToken}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweeper);
    clearInterval(redelivery);
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

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
