/**
 * `npm start`'s server as a separate process, pointed at the fake GitHub and the scripted model,
 * with its embedded store in a temporary data folder. Tests post signed webhooks to it over HTTP
 * and read its store as the CLI does: at the endpoint it publishes in `.data/endpoint`, with the
 * credential beside it in `.data/store-credentials.json`. The status page's address, token
 * included, is the one its log prints at start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connectStore, type StoreConnection } from '../../core/store/connect.js';
import {
  CREDENTIALS_FILE,
  credentialsEnv,
  parseCredentialsFile,
} from '../../core/store/store-credentials.js';
import { signedDelivery, type FakeGitHub } from './fake-github/index.js';
import type { ScriptedModel } from './scripted-model/index.js';

export interface LocalServer {
  url: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  /** The status page's address with its token, from the log line "status at …". */
  statusUrl(): string;
  deliver(
    event: string,
    payload: unknown,
    options?: { deliveryId?: string },
  ): Promise<{ status: number; body: string }>;
  store(): Promise<StoreConnection>;
  kill(signal: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface LocalServerOptions {
  /** The fake GitHub, or (from another process, as the benchmarks run it) what the server needs of it. */
  github: Pick<FakeGitHub, 'url' | 'appId' | 'privateKey'>;
  model: Pick<ScriptedModel, 'url'>;
  secret: string;
  anthropicKey: string;
  dataDir?: string;
  /** The server's working folder (where it looks for `.env`); default this project's. */
  cwd?: string;
  env?: Record<string, string>;
  /** false: no APP_ID, PRIVATE_KEY or WEBHOOK_SECRET in the environment (the setup flow, or `.env`). */
  appCredentials?: boolean;
  /** The log text that says the server is ready; default "Nightshift listening". */
  readyText?: string;
}

const PROJECT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(PROJECT, 'node_modules/tsx/dist/loader.mjs')).href;

function spawnServer(options: LocalServerOptions, port: number, dataDir: string): ChildProcess {
  const credentials =
    options.appCredentials === false
      ? {}
      : {
          APP_ID: String(options.github.appId),
          PRIVATE_KEY: options.github.privateKey,
          WEBHOOK_SECRET: options.secret,
        };
  return spawn(process.execPath, ['--import', TSX, join(PROJECT, 'functions/local/server.ts')], {
    cwd: options.cwd ?? PROJECT,
    detached: true, // its own process group, so SIGKILL takes its agent processes too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...credentials,
      GITHUB_API_URL: options.github.url,
      ANTHROPIC_API_KEY: options.anthropicKey,
      ANTHROPIC_BASE_URL: options.model.url,
      PORT: String(port),
      NIGHTSHIFT_DATA_DIR: dataDir,
      NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS: '0',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NIGHTSHIFT_PROGRESS_INTERVAL_MS: '100',
      NIGHTSHIFT_SHUTDOWN_GRACE_MS: '20000',
      LOG_LEVEL: 'info',
      ...options.env,
    },
  });
}

/** A start expected to stop by itself (a bad setting): its exit code and everything it printed. */
export async function runLocalServerToExit(
  options: LocalServerOptions & { dataDir: string },
): Promise<{ code: number | null; output: string }> {
  const child = spawnServer(options, await freePort(), options.dataDir);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const port = await freePort();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'nightshift-data-')));
  let log = '';
  const child = spawnServer(options, port, dataDir);
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${log}`);
    try {
      if ((await fetch(`${url}/ping`)).ok && log.includes(options.readyText ?? 'Nightshift listening')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let connection: StoreConnection | undefined;
  const server: LocalServer = {
    url,
    dataDir,
    process: child,
    output: () => log,
    statusUrl() {
      const found = /status at (http:\/\/\S+\?token=[\w-]+)/.exec(log)?.[1];
      if (!found) throw new Error(`no status address in the log:\n${log}`);
      return found;
    },
    async deliver(event, payload, opts = {}) {
      const signed = signedDelivery(event, payload, options.secret, opts);
      const response = await fetch(`${url}/api/github/webhooks`, {
        method: 'POST',
        headers: signed.headers,
        body: signed.body,
      });
      return { status: response.status, body: await response.text() };
    },
    async store() {
      if (!connection) {
        const endpoint = (await readFile(join(dataDir, 'endpoint'), 'utf8')).trim();
        const credentials = parseCredentialsFile(await readFile(join(dataDir, CREDENTIALS_FILE), 'utf8'));
        connection = await connectStore(
          { DYNAMODB_ENDPOINT: endpoint, ...credentialsEnv(credentials) },
          { createTable: false },
        );
      }
      return connection;
    },
    async kill(signal) {
      await connection?.close().catch(() => undefined);
      connection = undefined;
      if (child.pid && child.exitCode === null)
        process.kill(signal === 'SIGKILL' ? -child.pid : child.pid, signal);
      await exited;
    },
    async stop() {
      await server.kill('SIGTERM');
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
