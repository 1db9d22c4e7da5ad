/**
 * The delivery mix for the webhook benchmarks: real payloads from `@octokit/webhooks-examples`
 * (filled in from the fake GitHub's state), one trigger in four, each delivery with its own id and
 * signed exactly as GitHub signs it. Signing happens before the clock starts: it is GitHub's work.
 */
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { signedDelivery } from '../../test/support/fake-github/index.js';
import type { CalcSeed, StandIns } from '../support/stand-ins-client.js';

export interface DeliveryKind {
  name: string;
  event: string;
  action?: string;
  trigger: boolean;
  overrides(seed: CalcSeed): Record<string, unknown>;
  /** Makes delivery `i` a distinct request where intake would otherwise see a duplicate. */
  vary?(payload: Record<string, unknown>, i: number, seed: CalcSeed): void;
}

export interface Delivery {
  kind: string;
  trigger: boolean;
  event: LambdaFunctionURLEvent;
}

export interface Template {
  kind: DeliveryKind;
  payload: Record<string, unknown>;
}

const alice = { sender: { login: 'alice' } };

/** Two triggers and six ordinary events, played in this order. */
export const MIX: DeliveryKind[] = [
  {
    name: 'issues.labeled agent',
    event: 'issues',
    action: 'labeled',
    trigger: true,
    overrides: (seed) => ({ ...alice, issue: { number: seed.issues[0] }, label: { name: 'agent' } }),
    vary: (payload, i, seed) => {
      (payload.issue as { number: number }).number = seed.issues[i % seed.issues.length] ?? 1;
    },
  },
  { name: 'push', event: 'push', trigger: false, overrides: () => ({ ref: 'refs/heads/main' }) },
  {
    name: 'pull_request.synchronize',
    event: 'pull_request',
    action: 'synchronize',
    trigger: false,
    overrides: (seed) => ({ pull_request: { number: seed.prNumber } }),
  },
  {
    name: 'issue_comment "/agent fix" on a PR',
    event: 'issue_comment',
    action: 'created',
    trigger: true,
    overrides: (seed) => ({
      ...alice,
      issue: { number: seed.prNumber },
      comment: { id: 1, body: '/agent fix make the tests pass on Node 20' },
    }),
    vary: (payload, i) => {
      (payload.comment as { id: number }).id = 90_000_000 + i;
    },
  },
  {
    name: 'check_run.completed (success)',
    event: 'check_run',
    action: 'completed',
    trigger: false,
    overrides: () => ({ check_run: { conclusion: 'success' } }),
  },
  {
    name: 'issues.opened',
    event: 'issues',
    action: 'opened',
    trigger: false,
    overrides: (seed) => ({ issue: { number: seed.issues[0] } }),
  },
  {
    name: 'issue_comment (no command)',
    event: 'issue_comment',
    action: 'created',
    trigger: false,
    overrides: (seed) => ({
      sender: { login: 'bob' },
      issue: { number: seed.issues[0] },
      comment: { id: 2, body: 'Thanks, this looks good to me.' },
    }),
  },
  {
    name: 'workflow_run.completed',
    event: 'workflow_run',
    action: 'completed',
    trigger: false,
    overrides: () => ({}),
  },
];

export async function loadTemplates(standIns: StandIns, seed: CalcSeed): Promise<Template[]> {
  return Promise.all(
    MIX.map(async (kind) => ({
      kind,
      payload: await standIns.payload(seed.repo, kind.event, kind.action, kind.overrides(seed)),
    })),
  );
}

/** `count` signed deliveries cycling through the mix; `offset` keeps ids distinct across runs. */
export function buildDeliveries(
  templates: readonly Template[],
  seed: CalcSeed,
  secret: string,
  count: number,
  offset = 0,
): Delivery[] {
  const deliveries: Delivery[] = [];
  for (let i = 0; i < count; i++) {
    const template = templates[i % templates.length];
    if (!template) throw new Error('no delivery templates');
    const payload = structuredClone(template.payload);
    template.kind.vary?.(payload, Math.floor(i / templates.length) + offset, seed);
    const signed = signedDelivery(template.kind.event, JSON.stringify(payload), secret);
    deliveries.push({
      kind: template.kind.name,
      trigger: template.kind.trigger,
      event: functionUrlEvent(signed),
    });
  }
  return deliveries;
}

/** A Lambda Function URL request as the runtime hands it over. */
export function functionUrlEvent(signed: {
  headers: Record<string, string>;
  body: string;
}): LambdaFunctionURLEvent {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { ...signed.headers, host: 'abc123.lambda-url.us-east-1.on.aws' },
    body: signed.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc123',
      domainName: 'abc123.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc123',
      http: {
        method: 'POST',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '140.82.115.1',
        userAgent: signed.headers['user-agent'] ?? 'GitHub-Hookshot',
      },
      requestId: `req-${now}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
  };
}
