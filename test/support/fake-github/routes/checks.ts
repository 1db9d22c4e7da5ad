// Check runs and check suites. Runs belong to an app: ours (via the API) or another (seeded).
import * as g from '../git.js';
import { HttpError, json, notFound, paginate } from '../http.js';
import { checkRun, checkSuite } from '../serialize.js';
import { repoKey } from '../state.js';
import {
  nowIso,
  type AnnotationRecord,
  type AppRef,
  type CheckRunRecord,
  type CheckSuiteRecord,
  type RepoRecord,
} from '../types.js';
import type { FakeGitHub } from '../fake.js';
import type { Handlers, RouteContext } from './types.js';
import { bodyOf, intParam, repoOf, str } from './util.js';

type Body = Record<string, unknown>;

function invalid(documentationUrl: string, line: string): HttpError {
  return new HttpError(422, {
    message: `Invalid request.\n\n${line}`,
    documentation_url: documentationUrl,
    status: '422',
  });
}

/** Applies a create/update body to a run, as GitHub does (annotations are appended). */
function apply(run: CheckRunRecord, body: Body, documentationUrl: string): void {
  if (typeof body.name === 'string') run.name = body.name;
  if ('details_url' in body) run.detailsUrl = str(body.details_url) ?? null;
  if ('external_id' in body) run.externalId = str(body.external_id) ?? null;
  if (typeof body.started_at === 'string') run.startedAt = body.started_at;
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.completed_at === 'string') run.completedAt = body.completed_at;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed' && !run.conclusion) {
    throw invalid(
      documentationUrl,
      `"conclusion" wasn't supplied (it is required when "status" is "completed").`,
    );
  }
  if (run.completedAt && !run.conclusion) {
    throw invalid(documentationUrl, `"conclusion" wasn't supplied (it is required with "completed_at").`);
  }
  if (run.status === 'completed') run.completedAt ??= nowIso();
  const output = body.output as Body | undefined;
  if (output && typeof output === 'object') {
    if ('title' in output) run.output.title = str(output.title) ?? null;
    if ('summary' in output) run.output.summary = str(output.summary) ?? null;
    if ('text' in output) run.output.text = str(output.text) ?? null;
    if (Array.isArray(output.annotations))
      run.annotations.push(...(output.annotations as AnnotationRecord[]));
  }
  if (Array.isArray(body.actions)) run.actions = body.actions as CheckRunRecord['actions'];
}

function suiteFor(fake: FakeGitHub, repo: RepoRecord, headSha: string, app: AppRef, branch: string | null) {
  const key = repoKey(repo);
  for (const s of fake.state.checkSuites.values()) {
    if (s.repo === key && s.headSha === headSha && s.app.id === app.id) return s;
  }
  const suite: CheckSuiteRecord = {
    id: fake.state.nextId(),
    repo: key,
    headSha,
    headBranch: branch,
    app,
    createdAt: nowIso(),
  };
  fake.state.checkSuites.set(suite.id, suite);
  return suite;
}

/** Creates a run for `app` after GitHub's checks (the head commit must exist). */
export async function createCheckRun(
  fake: FakeGitHub,
  repo: RepoRecord,
  body: Body,
  app: AppRef,
  documentationUrl = 'https://docs.github.com/rest/checks/runs#create-a-check-run',
): Promise<CheckRunRecord> {
  const headSha = String(body.head_sha ?? '');
  const sha = /^[0-9a-f]{40}$/.test(headSha) ? await g.resolveCommit(repo.gitDir, headSha) : undefined;
  if (!sha) {
    throw new HttpError(422, {
      message: `No commit found for SHA: ${headSha}`,
      documentation_url: documentationUrl,
      status: '422',
    });
  }
  let branch: string | null = null;
  for (const [name, tip] of await g.refs(repo.gitDir)) {
    if (tip === sha && name.startsWith('refs/heads/')) branch = name.slice('refs/heads/'.length);
  }
  const now = nowIso();
  const run: CheckRunRecord = {
    id: fake.state.nextId(),
    repo: repoKey(repo),
    name: String(body.name ?? ''),
    headSha: sha,
    status: 'queued',
    conclusion: null,
    startedAt: now,
    completedAt: null,
    output: { title: null, summary: null, text: null },
    annotations: [],
    actions: [],
    externalId: null,
    detailsUrl: null,
    app,
    checkSuiteId: suiteFor(fake, repo, sha, app, branch).id,
    createdAt: now,
  };
  apply(run, body, documentationUrl);
  fake.state.checkRuns.set(run.id, run);
  return run;
}

function runOf(ctx: RouteContext): CheckRunRecord {
  const run = ctx.fake.state.checkRuns.get(intParam(ctx, 'check_run_id'));
  if (!run || run.repo !== repoKey(repoOf(ctx))) throw notFound(ctx.op.documentationUrl);
  return run;
}

async function runsReply(ctx: RouteContext, runs: CheckRunRecord[]) {
  const page = paginate(runs, ctx.query, ctx.selfUrl);
  const items = [];
  for (const r of page.items) items.push(await checkRun(ctx.fake, r));
  return json(200, { total_count: runs.length, check_runs: items }, page.headers);
}

function filterRuns(ctx: RouteContext, runs: CheckRunRecord[]): CheckRunRecord[] {
  const name = ctx.query.get('check_name');
  const status = ctx.query.get('status');
  const appId = ctx.query.get('app_id');
  let out = runs
    .filter((r) => !name || r.name === name)
    .filter((r) => !status || r.status === status)
    .filter((r) => !appId || String(r.app.id) === appId)
    .sort((a, b) => b.id - a.id);
  if ((ctx.query.get('filter') ?? 'latest') === 'latest') {
    const seen = new Set<string>();
    out = out.filter((r) => {
      const k = `${r.app.id}\0${r.name}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  return out;
}

async function shaOfRef(ctx: RouteContext): Promise<string> {
  const repo = repoOf(ctx);
  const ref = ctx.params.ref ?? '';
  const sha = await g.resolveCommit(repo.gitDir, ref);
  if (!sha) {
    throw new HttpError(422, {
      message: `No commit found for SHA: ${ref}`,
      documentation_url: ctx.op.documentationUrl,
      status: '422',
    });
  }
  return sha;
}

export const checkRoutes: Handlers = {
  'checks/create': async (ctx) => {
    const run = await createCheckRun(
      ctx.fake,
      repoOf(ctx),
      bodyOf(ctx),
      ctx.fake.ownApp,
      ctx.op.documentationUrl,
    );
    return json(201, await checkRun(ctx.fake, run));
  },

  'checks/update': async (ctx) => {
    const run = runOf(ctx);
    if (run.app.id !== ctx.fake.appId) {
      throw new HttpError(403, {
        message: `Invalid app_id \`${ctx.fake.appId}\` - check run can only be modified by the GitHub App that created it.`,
        documentation_url: ctx.op.documentationUrl,
        status: '403',
      });
    }
    apply(run, bodyOf(ctx), ctx.op.documentationUrl);
    return json(200, await checkRun(ctx.fake, run));
  },

  'checks/get': async (ctx) => json(200, await checkRun(ctx.fake, runOf(ctx))),

  'checks/list-annotations': (ctx) => {
    const run = runOf(ctx);
    const repo = repoOf(ctx);
    const page = paginate(run.annotations, ctx.query, ctx.selfUrl);
    const items = page.items.map((a) => ({
      path: a.path,
      blob_href: `${repo.htmlUrl}/blob/${run.headSha}/${a.path}`,
      start_line: a.start_line,
      start_column: a.start_column ?? null,
      end_line: a.end_line,
      end_column: a.end_column ?? null,
      annotation_level: a.annotation_level,
      title: a.title ?? null,
      message: a.message,
      raw_details: a.raw_details ?? null,
    }));
    return json(200, items, page.headers);
  },

  'checks/list-for-ref': async (ctx) => {
    const sha = await shaOfRef(ctx);
    const key = repoKey(repoOf(ctx));
    const runs = [...ctx.fake.state.checkRuns.values()].filter((r) => r.repo === key && r.headSha === sha);
    return runsReply(ctx, filterRuns(ctx, runs));
  },

  'checks/list-for-suite': async (ctx) => {
    const id = intParam(ctx, 'check_suite_id');
    const runs = [...ctx.fake.state.checkRuns.values()].filter((r) => r.checkSuiteId === id);
    return runsReply(ctx, filterRuns(ctx, runs));
  },

  'checks/get-suite': async (ctx) => {
    const suite = ctx.fake.state.checkSuites.get(intParam(ctx, 'check_suite_id'));
    if (!suite || suite.repo !== repoKey(repoOf(ctx))) throw notFound(ctx.op.documentationUrl);
    return json(200, await checkSuite(ctx.fake, suite));
  },

  'checks/list-suites-for-ref': async (ctx) => {
    const sha = await shaOfRef(ctx);
    const key = repoKey(repoOf(ctx));
    const appId = ctx.query.get('app_id');
    const name = ctx.query.get('check_name');
    const suites = [...ctx.fake.state.checkSuites.values()]
      .filter((s) => s.repo === key && s.headSha === sha)
      .filter((s) => !appId || String(s.app.id) === appId)
      .filter(
        (s) =>
          !name ||
          [...ctx.fake.state.checkRuns.values()].some((r) => r.checkSuiteId === s.id && r.name === name),
      );
    const page = paginate(suites, ctx.query, ctx.selfUrl);
    const items = [];
    for (const s of page.items) items.push(await checkSuite(ctx.fake, s));
    return json(200, { total_count: suites.length, check_suites: items }, page.headers);
  },
};
