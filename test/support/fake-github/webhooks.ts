// Webhook deliveries for tests: real example payloads (@octokit/webhooks-examples), filled in from
// the fake's state, and signed exactly as GitHub signs them.
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FakeGitHub } from './fake.js';
import {
  account,
  checkRun,
  checkSuite,
  comment,
  issue,
  pullRequest,
  repository,
  reviewComment,
} from './serialize.js';
import type { RepoRef } from './types.js';

type Json = Record<string, unknown>;

export interface SignedDelivery {
  headers: Record<string, string>;
  /** The exact bytes that were signed. */
  body: string;
}

/** Headers and exact body of a delivery; `x-hub-signature-256` is `sha256=` + hex HMAC of the body. */
export function signedDelivery(
  event: string,
  payload: unknown,
  secret: string,
  options: { deliveryId?: string } = {},
): SignedDelivery {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const installation = (payload as { installation?: { id?: number } } | null)?.installation?.id;
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/9c5f9a1',
      'x-github-event': event,
      'x-github-delivery': options.deliveryId ?? randomUUID(),
      'x-github-hook-id': '123456789',
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(installation ?? 1),
      'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  };
}

interface Definition {
  name: string;
  examples: Json[];
}

let definitions: Definition[] | undefined;

function allExamples(): Definition[] {
  if (!definitions) {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@octokit/webhooks-examples/api.github.com/index.json');
    definitions = JSON.parse(readFileSync(file, 'utf8')) as Definition[];
  }
  return definitions;
}

/** A deep copy of a real delivery for `event` (and `action`), preferring one sent to an app. */
export function examplePayload(event: string, action?: string): Json {
  const def = allExamples().find((d) => d.name === event);
  if (!def) throw new Error(`no webhook examples for event "${event}"`);
  const matching = def.examples.filter((e) => action === undefined || e.action === action);
  const chosen = matching.find((e) => 'installation' in e) ?? matching[0];
  if (!chosen) {
    const actions = [...new Set(def.examples.map((e) => String(e.action)))].join(', ');
    throw new Error(`no "${event}" example with action "${action}" (have: ${actions})`);
  }
  return structuredClone(chosen);
}

function isPlain(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Plain objects merge recursively; arrays and scalars replace. */
export function deepMerge(target: Json, source: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(source)) {
    const t = out[k];
    out[k] = isPlain(t) && isPlain(v) ? deepMerge(t, v) : v;
  }
  return out;
}

/**
 * The example for `event`/`action`, with `repository`, `installation` and `sender` from the fake.
 * When `overrides` names an existing `issue.number`, `pull_request.number`, `comment.id` or
 * `check_run.id`, that object is rendered from the fake's state; `overrides` is merged last.
 */
export async function payloadFor(
  fake: FakeGitHub,
  repo: RepoRef,
  event: string,
  action?: string,
  overrides: Json = {},
): Promise<Json> {
  const r = fake.state.mustRepo(repo);
  const p = examplePayload(event, action);
  p.repository = { ...(isPlain(p.repository) ? p.repository : {}), ...repository(fake, r) };
  if (r.installationId !== undefined) {
    p.installation = {
      id: r.installationId,
      node_id: Buffer.from(`031:Installation${r.installationId}`).toString('base64'),
    };
  }
  const senderLogin = isPlain(overrides.sender) ? String(overrides.sender.login ?? 'octocat') : 'octocat';
  p.sender = account(fake, senderLogin);
  if (r.ownerType === 'Organization') {
    const org = account(fake, r.owner);
    p.organization = {
      login: org.login,
      id: org.id,
      node_id: org.node_id,
      url: `${fake.url}/orgs/${r.owner}`,
    };
  } else {
    delete p.organization;
  }

  const num = (key: string, field: string): number | undefined => {
    const o = overrides[key];
    return isPlain(o) && typeof o[field] === 'number' ? o[field] : undefined;
  };
  const n = num('issue', 'number') ?? num('pull_request', 'number');
  const i = n === undefined ? undefined : fake.issue(r, n);
  if (i && 'issue' in p) p.issue = issue(fake, i);
  const pr = n === undefined ? undefined : fake.pullRequest(r, n);
  if (pr && 'pull_request' in p) p.pull_request = await pullRequest(fake, pr);
  const commentId = num('comment', 'id');
  if (commentId !== undefined) {
    const c = fake.state.comments.get(commentId);
    const rc = fake.state.reviewComments.get(commentId);
    if (c && event === 'issue_comment') p.comment = comment(fake, c);
    if (rc && event === 'pull_request_review_comment') p.comment = reviewComment(fake, rc);
  }
  const runId = num('check_run', 'id');
  const run = runId === undefined ? undefined : fake.state.checkRuns.get(runId);
  if (run && 'check_run' in p) {
    const suite = fake.state.checkSuites.get(run.checkSuiteId);
    p.check_run = {
      ...(await checkRun(fake, run)),
      ...(suite ? { check_suite: await checkSuite(fake, suite) } : {}),
    };
  }
  return deepMerge(p, overrides);
}
