/**
 * Measurement 2, cold start: the webhook function's bundle (esbuild, minified, as CDK builds it)
 * and the stock adapter's equivalent, each loaded in a fresh Node process that then answers one
 * delivery (a trigger: the slow path). The fresh process is plain `node` (no tsx), with
 * `--enable-source-maps` as our CDK construct sets it. Our handler's dispatch invoke goes to a
 * local stub of the Lambda API (202); store and GitHub are the stand-ins.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { agentBuildOptions } from '../../cdk/bundling.js';
import { connectStore, LOCAL_CREDENTIALS } from '../../core/store/connect.js';
import { credentialsEnv } from '../../core/store/store-credentials.js';
import { signedDelivery } from '../../test/support/fake-github/index.js';
import { bundle, ENTRIES } from '../../scripts/bundle.js';
import { StandIns } from '../support/stand-ins-client.js';
import { median, ratio, round } from '../support/stats.js';
import { BENCH_DIR, PROJECT_ROOT, progress, QUIET, workerMain } from '../support/worker.js';
import { functionUrlEvent } from './deliveries.js';
import type { Side } from './handlers.js';

const RUNS = 7;
const SECRET = 'bench-webhook-secret';
const OUT_DIR = join(BENCH_DIR, 'results', '.build.tmp');

export interface BundleFacts {
  file: string;
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** The packages that take most of the bundle (bytes in the output), largest first. */
  largest: PackageShare[];
}

export interface PackageShare {
  name: string;
  bytes: number;
  /** The files (ours) or packages that import it. */
  importedBy: string[];
}

export interface ColdRun {
  /** `await import(bundle)`. */
  importMs: number;
  /** The first delivery, from the call to the answer (initialisation included). */
  firstAnswerMs: number;
  /** import + first answer. */
  loadAndAnswerMs: number;
  /** From the process's start (Node's own boot included) to the answer. */
  sinceProcessStartMs: number;
  statusCode: number;
}

export interface ColdSide {
  side: Side;
  bundle: BundleFacts;
  runs: ColdRun[];
  median: Omit<ColdRun, 'statusCode'>;
}

export interface ColdStartResult {
  sides: ColdSide[];
  /** stock / ours, on the median import + first answer. */
  loadAndAnswerRatio: number;
  bundleRatio: number;
  lambdaInvokes: number;
}

/** The fresh process: import the bundle, answer one delivery, print the timings, exit. */
const PROBE = `
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
const [file, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const t0 = performance.now();
const mod = await import(pathToFileURL(file).href);
const t1 = performance.now();
const result = await mod.handler(event, {});
const t2 = performance.now();
const statusCode = typeof result === 'string' ? 200 : result.statusCode;
process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({
  importMs: t1 - t0, firstAnswerMs: t2 - t1, loadAndAnswerMs: t2 - t0, sinceProcessStartMs: t2, statusCode,
}) + '\\n');
process.exit(0);
`;

async function bundleFacts(file: string, metafile: Metafile): Promise<BundleFacts> {
  const code = await readFile(file);
  const map = await stat(`${file}.map`).catch(() => undefined);
  return {
    file: file.slice(PROJECT_ROOT.length),
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sourceMapBytes: map?.size ?? 0,
    largest: largestPackages(metafile),
  };
}

/** The package a bundled file belongs to: its innermost node_modules name, else our top folder. */
function packageOf(path: string): string {
  const names = [...path.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].map((m) => m[1]);
  return names.at(-1) ?? `${path.split('/')[0] ?? path}/ (ours)`;
}

/** Bytes in the output per package, largest first, with who brings each in. */
function largestPackages(metafile: Metafile, top = 8): PackageShare[] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const name = packageOf(path);
      bytes.set(name, (bytes.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  const importers = new Map<string, Set<string>>();
  for (const [path, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) {
      const name = packageOf(imported.path);
      const from = path.includes('node_modules/') ? packageOf(path) : path;
      if (from === name) continue;
      if (!importers.has(name)) importers.set(name, new Set());
      importers.get(name)?.add(from);
    }
  }
  return [...bytes.entries()]
    .map(([name, size]) => ({ name, bytes: size, importedBy: [...(importers.get(name) ?? [])].sort() }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

/** Stock adaptation: see below. Everything else is CDK's configuration. */
const STOCK_OPTIONS: BuildOptions = {
  ...agentBuildOptions,
  // Probot 13's universal-github-app-jwt 1.x puts its WebCrypto build under `module` (PKCS#8 keys
  // only; GitHub hands out PKCS#1). esbuild's own order for Node, `main` first, takes its Node
  // build, as a stock deployment would.
  mainFields: ['main', 'module'],
  absWorkingDir: PROJECT_ROOT,
  entryPoints: [join(BENCH_DIR, 'stock', 'handler.ts')],
};

async function buildBundles(): Promise<Record<Side, { file: string; metafile: Metafile }>> {
  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });
  // Ours exactly as `npm run build` makes it; the metafile comes from an identical build in memory.
  const ours = await bundle('webhook', join(OUT_DIR, 'nightshift'));
  const oursMeta = await build({
    ...agentBuildOptions,
    absWorkingDir: PROJECT_ROOT,
    entryPoints: [ENTRIES.webhook],
    outfile: ours.file,
    metafile: true,
    write: false,
  });
  const stock = join(OUT_DIR, 'stock', 'index.mjs');
  const stockBuild = await build({ ...STOCK_OPTIONS, outfile: stock, metafile: true });
  return {
    nightshift: { file: ours.file, metafile: oursMeta.metafile },
    stock: { file: stock, metafile: stockBuild.metafile },
  };
}

/** The Lambda API's Invoke, as far as an `InvocationType: Event` call needs: 202, no body. */
async function startLambdaStub(): Promise<{ url: string; invokes(): number; close(): Promise<void> }> {
  let invokes = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.includes('/invocations')) invokes++;
      res.writeHead(202, { 'content-type': 'application/json', 'x-amzn-requestid': `stub-${invokes}` });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invokes: () => invokes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function runProbe(probe: string, file: string, eventFile: string, env: NodeJS.ProcessEnv): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', probe, file, eventFile], {
      cwd: OUT_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line)
        return reject(
          new Error(`cold-start probe failed (${code}): ${err.slice(0, 1500)} … ${err.slice(-300)}`),
        );
      const raw = JSON.parse(line.slice('BENCH_RESULT '.length)) as ColdRun;
      resolve({
        importMs: round(raw.importMs),
        firstAnswerMs: round(raw.firstAnswerMs),
        loadAndAnswerMs: round(raw.loadAndAnswerMs),
        sinceProcessStartMs: round(raw.sinceProcessStartMs),
        statusCode: raw.statusCode,
      });
    });
  });
}

async function main(): Promise<ColdStartResult> {
  progress('cold start: bundling both handlers with the CDK esbuild settings');
  const files = await buildBundles();
  const probe = join(OUT_DIR, 'probe.mjs');
  await writeFile(probe, PROBE);

  const standIns = await StandIns.start();
  const lambda = await startLambdaStub();
  try {
    const [{ endpoint }, github] = await Promise.all([standIns.dynamo(), standIns.github()]);
    const seed = await standIns.seedCalc(RUNS + 1);
    const tableFor = (side: Side) => `cold-${side}`;
    for (const side of ['nightshift', 'stock'] as const) {
      // Created up front: a cold start on AWS finds its table there.
      const store = {
        DYNAMODB_ENDPOINT: endpoint,
        TABLE_NAME: tableFor(side),
        ...credentialsEnv(LOCAL_CREDENTIALS),
      };
      await (await connectStore(store)).close();
    }
    const env = (side: Side): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      APP_ID: String(github.appId),
      PRIVATE_KEY: github.privateKey,
      WEBHOOK_SECRET: SECRET,
      GITHUB_API_URL: github.url,
      DYNAMODB_ENDPOINT: endpoint,
      TABLE_NAME: tableFor(side),
      DISPATCH_FUNCTION_NAME: 'nightshift-dispatch',
      AWS_ENDPOINT_URL_LAMBDA: lambda.url,
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      // The store stand-in checks signatures with its own credential (as npm start's store does).
      ...credentialsEnv(LOCAL_CREDENTIALS),
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ...QUIET,
    });
    // Each run labels another issue, so that every first answer is a new task, not a duplicate.
    const eventFiles: string[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const payload = await standIns.payload(seed.repo, 'issues', 'labeled', {
        sender: { login: 'alice' },
        issue: { number: seed.issues[run] },
        label: { name: 'agent' },
      });
      const file = join(OUT_DIR, `event-${run}.json`);
      await writeFile(file, JSON.stringify(functionUrlEvent(signedDelivery('issues', payload, SECRET))));
      eventFiles.push(file);
    }

    const runs: Record<Side, ColdRun[]> = { nightshift: [], stock: [] };
    // Run 0 is a warm-up of the OS's file cache, not counted.
    for (let run = 0; run < RUNS + 1; run++) {
      const order: Side[] = run % 2 === 0 ? ['nightshift', 'stock'] : ['stock', 'nightshift'];
      for (const side of order) {
        const eventFile = eventFiles[run] ?? '';
        const t0 = performance.now();
        const result = await runProbe(probe, files[side].file, eventFile, env(side));
        if (run > 0) runs[side].push(result);
        progress(
          `cold start: ${side} run ${run}${run === 0 ? ' (warm-up)' : ''}: ${result.loadAndAnswerMs} ms (HTTP ${result.statusCode}, process ${round(performance.now() - t0)} ms)`,
        );
      }
    }
    const sides: ColdSide[] = [];
    for (const side of ['nightshift', 'stock'] as const) {
      const list = runs[side];
      sides.push({
        side,
        bundle: await bundleFacts(files[side].file, files[side].metafile),
        runs: list,
        median: {
          importMs: round(median(list.map((r) => r.importMs))),
          firstAnswerMs: round(median(list.map((r) => r.firstAnswerMs))),
          loadAndAnswerMs: round(median(list.map((r) => r.loadAndAnswerMs))),
          sinceProcessStartMs: round(median(list.map((r) => r.sinceProcessStartMs))),
        },
      });
    }
    const [ours, stock] = sides;
    return {
      sides,
      loadAndAnswerRatio: ratio(
        stock?.median.loadAndAnswerMs ?? Number.NaN,
        ours?.median.loadAndAnswerMs ?? Number.NaN,
      ),
      bundleRatio: ratio(stock?.bundle.bytes ?? Number.NaN, ours?.bundle.bytes ?? Number.NaN),
      lambdaInvokes: lambda.invokes(),
    };
  } finally {
    await lambda.close();
    await standIns.close();
  }
}

workerMain(main);
