/**
 * What the reliability suite adds to the shared test support: webhook Lambda "containers" built as
 * functions/webhook/handler.ts builds them, Function URL events, a runner and a dispatcher that
 * only record, extra agent processes for one harness, a secret scan over everything the product
 * wrote, and a proxy in front of the fake GitHub that lets a request happen and then answers 502.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { DispatchMessage, Dispatcher } from '../../core/ports.js';
import { isTerminal, type Task } from '../../core/task.js';
import type { IntakeOutcome } from '../../functions/intake.js';
import { composeIntake } from '../../functions/composition/compose-intake.js';
import { once } from '../../functions/once.js';
import type { LocalRunner } from '../../functions/runners/local-runner.js';
import { handleWebhook } from '../../functions/webhook/handle-webhook.js';
import type { TestStore } from '../support/dynamo.js';
import type { FakeGitHub, SignedDelivery } from '../support/fake-github/index.js';
import { ANTHROPIC_KEY, REPO, WEBHOOK_SECRET, type Harness } from '../support/harness.js';
import type { ScriptStep } from '../support/scripted-model/index.js';

export const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export { RecordingRunner } from '../support/recording-runner.js';

/** A dispatcher that records; `failing` makes `send` throw, as a Lambda invoke that fails would. */
export class RecordingDispatcher implements Dispatcher {
  sent: DispatchMessage[] = [];
  failing = false;
  async send(message: DispatchMessage): Promise<void> {
    if (this.failing) throw new Error('Lambda Invoke failed: Rate exceeded');
    this.sent.push(message);
  }
}

export interface WebhookAnswer {
  statusCode: number;
  body: Partial<IntakeOutcome> & { error?: string; status?: string; taskId?: string };
}

/**
 * One webhook Lambda container: the Function URL handler with its dependencies, as
 * functions/webhook/handler.ts builds them at a cold start.
 */
export function webhookContainer(options: {
  github: FakeGitHub;
  db: TestStore;
  dispatcher: Dispatcher;
}): (event: LambdaFunctionURLEvent) => Promise<WebhookAnswer> {
  const env = {
    APP_ID: String(options.github.appId),
    PRIVATE_KEY: options.github.privateKey,
    WEBHOOK_SECRET,
    GITHUB_API_URL: options.github.url,
    ...options.db.env,
  };
  const ready = once(async () => {
    const composition = await composeIntake(env, {
      placement: 'lambda',
      connection: { ...options.db, close: async () => undefined },
      log: silent,
      dispatcher: options.dispatcher,
    });
    return composition.webhook;
  });
  return async (event) => {
    const result = (await handleWebhook(await ready(), event)) as { statusCode: number; body: string };
    return { statusCode: result.statusCode, body: JSON.parse(result.body) as WebhookAnswer['body'] };
  };
}

/** A Function URL event carrying a delivery, as the Lambda runtime hands it over. */
export function functionUrlEvent(
  delivery: SignedDelivery,
  options: { base64?: boolean; headers?: Record<string, string | undefined> } = {},
): LambdaFunctionURLEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...delivery.headers, ...options.headers })) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers,
    body: options.base64 ? Buffer.from(delivery.body).toString('base64') : delivery.body,
    isBase64Encoded: Boolean(options.base64),
  } as unknown as LambdaFunctionURLEvent;
}

/** Poll until `probe` returns something, or fail naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The environment the harness gives its agent processes, for starting more of them: no App key,
 * no webhook secret (tokens come over the runner's channel, `h.tokens`).
 */
export function agentEnv(h: Harness, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_API_URL: h.github.url,
    ...h.db.env,
    ANTHROPIC_API_KEY: ANTHROPIC_KEY,
    ANTHROPIC_BASE_URL: h.model.url,
    NIGHTSHIFT_PROGRESS_INTERVAL_MS: '100',
    NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS: '0',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Another local runner on the harness's store, whose exits end tasks as the harness's do. */
export function extraRunner(h: Harness, extra: Record<string, string> = {}): LocalRunner {
  const local = h.composition.local;
  if (!local) throw new Error('extraRunner: the harness has no local parts');
  return local.childRunner(agentEnv(h, extra));
}

/** `login` comments `body` on issue or pull request `number`, delivered as GitHub would. */
export async function commentAs(h: Harness, login: string, body: string, number: number) {
  const created = h.github.addComment(REPO, number, { body, user: login });
  const payload = await h.payload('issue_comment', 'created', {
    issue: { number },
    comment: { id: created.id },
    sender: { login },
  });
  return { id: created.id, payload, answer: await h.deliver('issue_comment', payload) };
}

/** Label a new issue `agent` as `login`; returns the issue's number and the delivery's answer. */
export async function labelIssue(
  h: Harness,
  input: { title: string; body?: string; login?: string },
): Promise<{ number: number; answer: Awaited<ReturnType<Harness['deliver']>> }> {
  const issue = h.github.addIssue(REPO, { title: input.title, body: input.body ?? 'Fix it.', user: 'bob' });
  return { number: issue.number, answer: await h.label(issue.number, { sender: input.login ?? 'alice' }) };
}

/** Label a new issue, play `steps` on the model, and wait until its task has ended. */
export async function runIssue(
  h: Harness,
  title: string,
  steps: ScriptStep[],
  body = 'add(2, 3) must be 5',
): Promise<{ task: Task; number: number }> {
  h.model.push(...steps);
  const { number, answer } = await labelIssue(h, { title, body });
  if (answer.statusCode !== 202) throw new Error(`delivery answered ${answer.statusCode}`);
  await h.settle();
  const task = await h.waitForTask((t) => t.target.number === number && isTerminal(t.status));
  return { task, number };
}

/** The task of `number` once it reached `status`s (any terminal one by default). */
export function taskOf(h: Harness, number: number, done: (t: Task) => boolean = (t) => isTerminal(t.status)) {
  return h.waitForTask((t) => t.target.number === number && done(t));
}

/** Every secret value the product holds during a harness run. */
export function secretsOf(h: Harness): string[] {
  const keyLines = h.github.privateKey
    .split('\n')
    .filter((line) => line.length > 40 && !line.startsWith('-----'));
  return [ANTHROPIC_KEY, WEBHOOK_SECRET, ...keyLines, ...h.github.tokens().map((t) => t.token)];
}

/** Everything the product wrote to the store (tasks, logs, deliveries), as one string. */
export async function tableText(h: Harness): Promise<string> {
  const items: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await h.db.client.send(
      new ScanCommand({ TableName: h.db.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return JSON.stringify(items);
}

/**
 * A proxy in front of the fake GitHub. `answerAfter` makes the next matching requests go through
 * (GitHub carries them out) and then answers `status` instead of GitHub's reply: a create that
 * happened, reported as a 502 Bad Gateway.
 */
export interface FlakyProxy {
  url: string;
  answerAfter(rule: { method: string; path: RegExp; status: number; times?: number }): void;
  /** Requests answered with a substituted status. */
  substituted: Array<{ method: string; path: string; status: number }>;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const rules: Array<{ method: string; path: RegExp; status: number; remaining: number }> = [];
  const substituted: FlakyProxy['substituted'] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const path = req.url ?? '/';
      const reply = await forward(upstream, req, body);
      const rule = rules.find((r) => r.method === req.method && r.path.test(path.split('?')[0] ?? ''));
      if (rule && rule.remaining-- > 0) {
        if (rule.remaining <= 0) rules.splice(rules.indexOf(rule), 1);
        substituted.push({ method: req.method ?? '', path, status: rule.status });
        const text = JSON.stringify({ message: 'Server Error' });
        res.writeHead(rule.status, { 'content-type': 'application/json' }).end(text);
        return;
      }
      res.writeHead(reply.status, reply.headers).end(reply.body);
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    substituted,
    answerAfter: (rule) => rules.push({ ...rule, remaining: rule.times ?? 1 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(
  upstream: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host };
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (response) => {
        void readAll(response).then((data) => {
          const copied: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined && name !== 'transfer-encoding' && name !== 'connection')
              copied[name] = value;
          }
          copied['content-length'] = String(data.length);
          resolve({ status: response.statusCode ?? 502, headers: copied, body: data });
        }, reject);
      },
    );
    out.once('error', reject);
    out.end(body);
  });
}
