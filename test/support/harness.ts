/**
 * The whole product on loopback, in one test process: the fake GitHub, the scripted model, the
 * store on dynalite, the Lambda webhook handler and the dispatch code as the composition root builds
 * them for a local process (functions/composition/compose.ts), with the
 * local runner and the real agent-task program as a child process. Tests post signed webhooks
 * and watch GitHub's state change.
 */
import { SpareShelf } from '../../agent-task/setup/setup-spares.js';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { isTerminal, type Task } from '../../core/task.js';
import type { DispatchMessage, Runner } from '../../core/ports.js';
import { compose, type Composition } from '../../functions/composition/compose.js';
import type { DispatchDeps } from '../../functions/dispatch/dispatch.js';
import { handleDispatchMessage } from '../../functions/dispatch/dispatch.js';
import type { IntakeOutcome } from '../../functions/intake.js';
import type { LocalDispatcher } from '../../functions/local/local-dispatcher.js';
import type { LocalRunner } from '../../functions/runners/local-runner.js';
import { handleWebhook } from '../../functions/webhook/handle-webhook.js';
import type { TokenAnswer } from '../../core/task-token.js';
import { startTestStore, type TestStore } from './dynamo.js';
import { payloadFor, signedDelivery, startFakeGitHub, type FakeGitHub } from './fake-github/index.js';
import { startScriptedModel, type ScriptedModel } from './scripted-model/index.js';

export const WEBHOOK_SECRET = 'test-webhook-secret';
export const ANTHROPIC_KEY = 'sk-ant-api03-test-secret-key-do-not-leak';
export const REPO = 'acme/calc';

/** A small project whose test fails: add() subtracts. */
export const CALC_FILES: Record<string, string> = {
  'package.json': JSON.stringify(
    { name: 'calc', version: '1.0.0', scripts: { test: 'node test.js' } },
    null,
    2,
  ),
  'math.js': 'exports.add = (a, b) => a - b;\n',
  'test.js':
    "const assert = require('assert');\nconst { add } = require('./math');\nassert.strictEqual(add(2, 3), 5);\nconsole.log('ok');\n",
  '.github/nightshift.yml': 'test: node test.js\nlimits:\n  turns: 12\n',
  'README.md': '# calc\n',
};

export interface Harness {
  /** Every message handed to dispatch, in order. */
  sent: DispatchMessage[];
  github: FakeGitHub;
  model: ScriptedModel;
  db: TestStore;
  /** What the composition root built for this "server" (functions/composition/compose.ts). */
  composition: Composition;
  deps: DispatchDeps;
  dispatcher: LocalDispatcher;
  runner: LocalRunner;
  /** How the harness's agent processes get tokens (the local runner's minting), for more runners. */
  tokens(task: Task): Promise<TokenAnswer>;
  /** Post a signed delivery through the Lambda handler; returns the status and outcome. */
  deliver(
    event: string,
    payload: unknown,
    options?: { deliveryId?: string; base64?: boolean; secret?: string },
  ): Promise<{ statusCode: number; body: IntakeOutcome & { error?: string } }>;
  payload(
    event: string,
    action: string,
    overrides?: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
  /** `sender` (default alice) applies the trigger label (default `agent`) to issue `number`. */
  label(
    number: number,
    options?: { sender?: string; label?: string },
  ): Promise<{ statusCode: number; body: IntakeOutcome & { error?: string } }>;
  /** Wait until every dispatch and every agent process has finished. */
  settle(): Promise<void>;
  waitForTask(predicate: (t: Task) => boolean, timeoutMs?: number): Promise<Task>;
  tasks(): Promise<Task[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  files?: Record<string, string>;
  /** false: intake only; dispatch messages are recorded in `sent`, nothing runs. */
  dispatch?: boolean;
  runner?: Runner;
  /** Tasks per installation at once; the harness lifts the cap unless a test sets it. */
  maxConcurrentTasks?: number;
  /** The fake GitHub's web host (its `html_url`s), as a GitHub Enterprise Server has its own. */
  webUrl?: string;
  /** More of the server's environment (e.g. NIGHTSHIFT_SETUP_CACHE_DIR). */
  env?: Record<string, string>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const github = await startFakeGitHub(options.webUrl ? { webUrl: options.webUrl } : {});
  const model = await startScriptedModel();
  const db = await startTestStore();
  await github.addRepo({ owner: 'acme', name: 'calc', files: options.files ?? CALC_FILES });
  github.setPermission(REPO, 'alice', 'write');
  // The agents' setup cache: a folder of this harness's own (npm start keeps it under .data/).
  const cacheDir = await mkdtemp(join(tmpdir(), 'nightshift-setup-cache-'));

  // The server's whole environment, App key and webhook secret included, as `npm start` has it:
  // the local runner passes its children only its allow-list (reliability case 21 checks it).
  const processEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    APP_ID: String(github.appId),
    PRIVATE_KEY: github.privateKey,
    WEBHOOK_SECRET,
    GITHUB_API_URL: github.url,
    ...db.env,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: model.url,
    NIGHTSHIFT_PROGRESS_INTERVAL_MS: '100',
    NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS: '0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'warn' as const,
    NIGHTSHIFT_SETUP_CACHE_DIR: cacheDir,
    ...options.env,
  };
  const composition = await compose(processEnv, {
    placement: 'local',
    connection: { ...db, endpoint: db.endpoint, close: async () => undefined },
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...(options.runner ? { runner: options.runner } : {}),
    // The harness lifts the cap unless a test sets it.
    maxConcurrentTasks: options.maxConcurrentTasks ?? 1_000,
  });
  const { deps, local } = composition;
  if (!local?.queue) throw new Error('harness: the local composition has no in-process queue');
  const { queue: dispatcher, children: runner, tokens } = local;
  const sent: DispatchMessage[] = [];
  dispatcher.connect(async (message) => {
    sent.push(message);
    if (options.dispatch !== false) await handleDispatchMessage(deps, message);
  });
  const webhookDeps = composition.webhook;

  const harness: Harness = {
    sent,
    github,
    model,
    db,
    composition,
    deps,
    dispatcher,
    runner,
    tokens,
    async label(number, options = {}) {
      const payload = await harness.payload('issues', 'labeled', {
        issue: { number },
        label: { name: options.label ?? 'agent' },
        sender: { login: options.sender ?? 'alice' },
      });
      return harness.deliver('issues', payload);
    },
    async deliver(event, payload, opts = {}) {
      const signed = signedDelivery(
        event,
        payload,
        opts.secret ?? WEBHOOK_SECRET,
        opts.deliveryId ? { deliveryId: opts.deliveryId } : {},
      );
      const request = {
        headers: signed.headers,
        body: opts.base64 ? Buffer.from(signed.body).toString('base64') : signed.body,
        isBase64Encoded: Boolean(opts.base64),
      } as unknown as LambdaFunctionURLEvent;
      const result = (await handleWebhook(webhookDeps, request)) as {
        statusCode: number;
        body: string;
      };
      return {
        statusCode: result.statusCode,
        body: JSON.parse(result.body) as IntakeOutcome & { error?: string },
      };
    },
    payload: (event, action, overrides = {}) => payloadFor(github, REPO, event, action, overrides),
    async settle() {
      for (let i = 0; i < 3; i++) {
        await dispatcher.idle();
        await runner.drain(Number.POSITIVE_INFINITY);
      }
      await dispatcher.idle();
    },
    async waitForTask(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = (await db.store.listRecent(100)).find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('timed out waiting for a task');
    },
    tasks: () => db.store.listRecent(100),
    async close() {
      await harness.settle().catch(() => undefined);
      await Promise.all([github.close(), model.close(), db.close()]);
      await rm(cacheDir, { recursive: true, force: true });
      // The setup spares the agents made for the store, beside their task folders.
      const stores = [processEnv.NIGHTSHIFT_SETUP_CACHE_DIR, cacheDir];
      for (const store of new Set(stores)) {
        await rm(SpareShelf.dirFor(tmpdir(), store), { recursive: true, force: true });
      }
    },
  };
  return harness;
}

export function terminal(task: Task): boolean {
  return isTerminal(task.status);
}
