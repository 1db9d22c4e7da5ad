/** How the CLI finds the task store: DYNAMODB_ENDPOINT, else a running server's, else its own embedded one. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  StoreBusyError,
  StoreRefusedError,
  NoDataError,
  connectCliStore,
  dataDir,
  endpointAnswers,
  serverEndpoint,
} from '../../../cli/connect.js';
import {
  CREDENTIALS_FILE,
  type StoreCredentials,
  formatCredentialsFile,
} from '../../../core/store/store-credentials.js';
import { type TestStore, startTestStore } from '../../support/dynamo.js';
import { newTask } from './seed.js';

let t: TestStore;
let seededId: string;
const dirs: string[] = [];

function projectDir(endpointFile?: string, credentials?: StoreCredentials): string {
  const dir = mkdtempSync(join(tmpdir(), 'nightshift-connect-'));
  dirs.push(dir);
  if (endpointFile !== undefined) {
    mkdirSync(join(dir, '.data'));
    writeFileSync(join(dir, '.data', 'endpoint'), endpointFile);
    if (credentials) writeFileSync(join(dir, '.data', CREDENTIALS_FILE), formatCredentialsFile(credentials));
  }
  return dir;
}

/** An endpoint nothing listens on. */
const DEAD = 'http://127.0.0.1:9';

beforeAll(async () => {
  t = await startTestStore();
  seededId = (await t.store.create(newTask())).id;
});
afterAll(() => t.close());
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('connectCliStore', () => {
  it('uses DYNAMODB_ENDPOINT whenever it is set', async () => {
    const cwd = projectDir(DEAD);
    const connection = await connectCliStore(t.env, { cwd });
    try {
      expect(connection.source).toBe('environment');
      expect((await connection.store.load(seededId)).id).toBe(seededId);
    } finally {
      await connection.close();
    }
  });

  it('talks to the running server through .data/endpoint, with its credential', async () => {
    const cwd = projectDir(`${t.endpoint}\n`, t.credentials);
    const connection = await connectCliStore({ TABLE_NAME: t.tableName }, { cwd });
    try {
      expect(connection.source).toBe('server');
      expect(connection.endpoint).toBe(t.endpoint);
      expect(connection.credentials).toEqual(t.credentials);
      expect((await connection.store.load(seededId)).id).toBe(seededId);
    } finally {
      await connection.close();
    }
  });

  it('is refused by the server’s store without the credential file, and says where it is', async () => {
    const cwd = projectDir(`${t.endpoint}\n`);
    const error = await connectCliStore({ TABLE_NAME: t.tableName }, { cwd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreRefusedError);
    expect((error as Error).message).toContain(join(cwd, '.data', 'store-credentials.json'));
  });

  it('makes no store where there is none unless asked to (only `run` records tasks)', async () => {
    const cwd = projectDir(DEAD);
    const error = await connectCliStore({}, { cwd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoDataError);
    expect((error as Error).message).toContain(
      `there is no Nightshift data here: ${join(cwd, '.data', 'dynamo')}`,
    );
    expect(existsSync(join(cwd, '.data', 'dynamo'))).toBe(false);
  });

  it('keeps .data owner-only when it opens the embedded store itself', async () => {
    const cwd = projectDir();
    mkdirSync(join(cwd, '.data'), { mode: 0o755 });
    const connection = await connectCliStore({}, { cwd, create: true });
    await connection.close();
    expect(statSync(join(cwd, '.data')).mode & 0o777).toBe(0o700);
    expect(statSync(join(cwd, '.data', 'dynamo')).mode & 0o777).toBe(0o700);
  });

  it('opens the embedded store itself when the endpoint file is stale', async () => {
    const cwd = projectDir(DEAD);
    const connection = await connectCliStore({}, { cwd, create: true });
    try {
      expect(connection.source).toBe('embedded');
      expect(connection.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await connection.store.listRecent(5)).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('keeps what it stored in .data/dynamo for the next command', async () => {
    const cwd = projectDir();
    const first = await connectCliStore({}, { cwd, create: true });
    const created = await first.store.create(newTask());
    await first.close();
    const second = await connectCliStore({}, { cwd, create: true });
    try {
      expect(second.source).toBe('embedded');
      expect((await second.store.load(created.id)).id).toBe(created.id);
    } finally {
      await second.close();
    }
  });
});

/** Another process (as `npm start` would) holding the embedded store under `<cwd>/.data/dynamo`. */
async function holdEmbeddedStore(cwd: string) {
  const embedded = resolve(import.meta.dirname, '../../../core/store/embedded.ts');
  const script = join(cwd, 'hold.mts');
  writeFileSync(
    script,
    `import { startEmbeddedDynamo } from ${JSON.stringify(embedded)};\n` +
      `const store = await startEmbeddedDynamo({ path: ${JSON.stringify(join(cwd, '.data', 'dynamo'))} });\n` +
      `console.log(JSON.stringify(store));\n` +
      `process.stdin.on('end', () => store.close().then(() => process.exit(0)));\n` +
      `process.stdin.resume();\n`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: resolve(import.meta.dirname, '../../..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  const { endpoint, credentials } = JSON.parse(chunk.toString('utf8')) as {
    endpoint: string;
    credentials: StoreCredentials;
  };
  return {
    endpoint,
    credentials,
    stop: async () => {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

describe('connectCliStore while another process holds the embedded store', () => {
  it('explains what to do when no endpoint file leads to it', async () => {
    const cwd = projectDir();
    const holder = await holdEmbeddedStore(cwd);
    try {
      const error = await connectCliStore({}, { cwd, create: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreBusyError);
      expect((error as Error).message).toContain('is npm start running?');

      writeFileSync(join(cwd, '.data', 'endpoint'), holder.endpoint);
      writeFileSync(join(cwd, '.data', CREDENTIALS_FILE), formatCredentialsFile(holder.credentials));
      const connection = await connectCliStore({}, { cwd, create: true });
      expect(connection.source).toBe('server');
      expect(await connection.store.listRecent(1)).toEqual([]);
      await connection.close();
    } finally {
      await holder.stop();
    }
  });
});

describe('serverEndpoint', () => {
  it('ignores a missing file, garbage, and an endpoint that does not answer', async () => {
    expect(await serverEndpoint(join(projectDir(), '.data'))).toBeUndefined();
    expect(await serverEndpoint(join(projectDir('not a url'), '.data'))).toBeUndefined();
    expect(await serverEndpoint(join(projectDir(DEAD), '.data'))).toBeUndefined();
    expect(await serverEndpoint(join(projectDir(` ${t.endpoint} \n`), '.data'))).toBe(t.endpoint);
  });

  it('probes with an HTTP request', async () => {
    expect(await endpointAnswers(t.endpoint)).toBe(true);
    expect(await endpointAnswers(DEAD)).toBe(false);
  });
});

describe('dataDir', () => {
  it('is .data in the current folder, or NIGHTSHIFT_DATA_DIR', () => {
    expect(dataDir({}, '/project')).toBe('/project/.data');
    expect(dataDir({ NIGHTSHIFT_DATA_DIR: 'state' }, '/project')).toBe('/project/state');
    expect(dataDir({ NIGHTSHIFT_DATA_DIR: '/var/nightshift' }, '/project')).toBe('/var/nightshift');
  });
});
