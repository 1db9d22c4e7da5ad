// Pull requests: create (with GitHub's 422s), get/list/update, reviewers, reviews, review comments.
import * as g from '../git.js';
import { HttpError, json, notFound, paginate, validationFailed } from '../http.js';
import { commit, pullRequest, review, reviewComment } from '../serialize.js';
import { repoKey } from '../state.js';
import {
  nowIso,
  type PullRequestRecord,
  type RepoRecord,
  type ReviewCommentRecord,
  type ReviewRecord,
} from '../types.js';
import type { FakeGitHub } from '../fake.js';
import { setState } from './issues.js';
import type { Handlers, RouteContext } from './types.js';
import { bodyOf, intParam, pullOf, repoOf, str, strings } from './util.js';

const CREATE_DOCS = 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request';

export interface PullRequestInput {
  /** `branch` or `owner:branch` (a fork's branch). */
  head: string;
  base?: string;
  title?: string;
  body?: string | null;
  user?: string;
  draft?: boolean;
  maintainerCanModify?: boolean;
  /** The fork holding the head branch, when seeding; otherwise found from `owner:` in head. */
  fork?: RepoRecord;
}

/** Opens a pull request after GitHub's checks; throws HttpError(422) as GitHub answers. */
export async function createPullRequest(
  fake: FakeGitHub,
  repo: RepoRecord,
  input: PullRequestInput,
): Promise<PullRequestRecord> {
  const base = input.base ?? repo.defaultBranch;
  const [owner, branch] = input.head.includes(':') ? input.head.split(':', 2) : [undefined, input.head];
  let headRepo = input.fork ?? repo;
  if (!input.fork && owner && owner.toLowerCase() !== repo.owner.toLowerCase()) {
    const fork = [...fake.state.repos.values()].find(
      (r) => r.parent === repo && r.owner.toLowerCase() === owner.toLowerCase(),
    );
    if (!fork)
      throw validationFailed(CREATE_DOCS, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    headRepo = fork;
  }
  const headRef = branch ?? '';
  const headSha = await g.branchSha(headRepo.gitDir, headRef);
  if (!headSha)
    throw validationFailed(CREATE_DOCS, [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
  const baseSha = await g.branchSha(repo.gitDir, base);
  if (!baseSha)
    throw validationFailed(CREATE_DOCS, [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
  if (headRepo === repo && headRef === base) {
    throw validationFailed(CREATE_DOCS, [
      { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${headRef}` },
    ]);
  }
  if (headRepo !== repo) await fake.shareObjects(repo, headRepo);
  if (headSha === baseSha || (await g.isAncestor(repo.gitDir, headSha, baseSha))) {
    throw validationFailed(CREATE_DOCS, [
      { resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${input.head}` },
    ]);
  }
  if (!(await g.mergeBase(repo.gitDir, baseSha, headSha))) {
    throw validationFailed(CREATE_DOCS, [
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `The ${base} branch has no history in common with ${input.head}`,
      },
    ]);
  }
  const key = repoKey(repo);
  for (const pr of fake.state.pullMap(key).values()) {
    const open = fake.state.issueMap(key).get(pr.number)?.state === 'open';
    if (open && pr.headRepo === repoKey(headRepo) && pr.headRef === headRef && pr.baseRef === base) {
      throw validationFailed(CREATE_DOCS, [
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${headRepo.owner}:${headRef}.`,
        },
      ]);
    }
  }
  const issue = fake.addIssue(repo, {
    title: input.title ?? headRef,
    body: input.body ?? null,
    user: input.user ?? fake.botLogin,
  });
  issue.isPullRequest = true;
  const pr: PullRequestRecord = {
    id: fake.state.nextId(),
    repo: key,
    number: issue.number,
    headRef,
    headRepo: repoKey(headRepo),
    baseRef: base,
    draft: input.draft ?? false,
    merged: false,
    mergedAt: null,
    mergeable: true,
    mergeableState: input.draft ? 'draft' : 'clean',
    requestedReviewers: [],
    maintainerCanModify: input.maintainerCanModify ?? headRepo !== repo,
  };
  fake.state.pullMap(key).set(pr.number, pr);
  await fake.syncPullRefs(repo);
  return pr;
}

function reviewCommentOf(ctx: RouteContext): ReviewCommentRecord {
  const c = ctx.fake.state.reviewComments.get(intParam(ctx, 'comment_id'));
  if (!c || c.repo !== repoKey(repoOf(ctx))) throw notFound(ctx.op.documentationUrl);
  if (ctx.params.pull_number !== undefined && c.pullNumber !== intParam(ctx, 'pull_number')) {
    throw notFound(ctx.op.documentationUrl);
  }
  return c;
}

function reply(ctx: RouteContext, target: ReviewCommentRecord, body: string): ReviewCommentRecord {
  return ctx.fake.addReviewCommentRecord({
    repo: target.repo,
    pullNumber: target.pullNumber,
    path: target.path,
    line: target.line,
    startLine: target.startLine,
    side: target.side,
    diffHunk: target.diffHunk,
    commitId: target.commitId,
    inReplyToId: target.inReplyToId ?? target.id,
    body,
    user: ctx.actor,
    reviewId: null,
  });
}

async function headSha(ctx: RouteContext, pr: PullRequestRecord): Promise<string> {
  return (await g.branchSha(ctx.fake.state.mustRepo(pr.headRepo).gitDir, pr.headRef)) ?? '';
}

async function ends(ctx: RouteContext, pr: PullRequestRecord): Promise<{ base: string; head: string }> {
  const base = (await g.branchSha(repoOf(ctx).gitDir, pr.baseRef)) ?? '';
  return { base, head: await headSha(ctx, pr) };
}

const STATUS: Record<string, string> = { A: 'added', D: 'removed', M: 'modified', T: 'changed' };

/** The files a pull request changes, in pulls/list-files shape (without URLs). */
async function changedFiles(repo: RepoRecord, base: string, head: string) {
  const [names, numstat, full] = await Promise.all([
    g.diff(repo.gitDir, base, head, ['--no-renames', '--name-status']),
    g.diff(repo.gitDir, base, head, ['--no-renames', '--numstat']),
    g.diff(repo.gitDir, base, head, ['--no-renames']),
  ]);
  const counts = new Map<string, [number, number]>();
  for (const line of numstat.split('\n').filter(Boolean)) {
    const [add = '0', del = '0', file = ''] = line.split('\t');
    counts.set(file, [Number(add) || 0, Number(del) || 0]);
  }
  const patches = new Map<string, string>();
  for (const chunk of full.split(/^diff --git /m).slice(1)) {
    const file = /^a\/.* b\/(.*)$/m.exec(chunk)?.[1] ?? '';
    const at = chunk.indexOf('\n@@');
    patches.set(file, at >= 0 ? chunk.slice(at + 1).replace(/\n$/, '') : '');
  }
  return names
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [code = 'M', filename = ''] = line.split('\t');
      const [additions, deletions] = counts.get(filename) ?? [0, 0];
      return {
        sha: null as string | null,
        filename,
        status: STATUS[code[0] ?? 'M'] ?? 'modified',
        additions,
        deletions,
        changes: additions + deletions,
        patch: patches.get(filename) ?? '',
      };
    });
}

export const pullRoutes: Handlers = {
  'pulls/create': async (ctx) => {
    const body = bodyOf(ctx);
    const pr = await createPullRequest(ctx.fake, repoOf(ctx), {
      head: String(body.head ?? ''),
      base: String(body.base ?? ''),
      title: str(body.title) ?? '',
      body: str(body.body) ?? null,
      user: ctx.actor,
      draft: body.draft === true,
      ...(typeof body.maintainer_can_modify === 'boolean'
        ? { maintainerCanModify: body.maintainer_can_modify }
        : {}),
    });
    return json(201, await pullRequest(ctx.fake, pr));
  },

  'pulls/get': async (ctx) => {
    const pr = pullOf(ctx);
    if (/vnd\.github(\.v3)?\.diff/.test(String(ctx.headers.accept ?? ''))) {
      const { base, head } = await ends(ctx, pr);
      const text = await g.diff(repoOf(ctx).gitDir, base, head);
      return { status: 200, raw: text, headers: { 'content-type': 'text/plain; charset=utf-8' } };
    }
    return json(200, await pullRequest(ctx.fake, pr));
  },

  'pulls/list-files': async (ctx) => {
    const pr = pullOf(ctx);
    const repo = repoOf(ctx);
    const { base, head } = await ends(ctx, pr);
    const files = await changedFiles(repo, base, head);
    const page = paginate(files, ctx.query, ctx.selfUrl);
    const items = page.items.map((f) => ({
      ...f,
      blob_url: `${repo.htmlUrl}/blob/${head}/${f.filename}`,
      raw_url: `${repo.htmlUrl}/raw/${head}/${f.filename}`,
      contents_url: `${ctx.fake.url}/repos/${repo.fullName}/contents/${f.filename}?ref=${head}`,
    }));
    return json(200, items, page.headers);
  },

  'pulls/list': async (ctx) => {
    const repo = repoOf(ctx);
    const key = repoKey(repo);
    const state = ctx.query.get('state') ?? 'open';
    const head = ctx.query.get('head');
    const base = ctx.query.get('base');
    const all = [...ctx.fake.state.pullMap(key).values()]
      .filter((pr) => state === 'all' || ctx.fake.state.issueMap(key).get(pr.number)?.state === state)
      .filter((pr) => {
        if (!head) return true;
        const [owner, branch] = head.includes(':') ? head.split(':', 2) : [repo.owner, head];
        const hr = ctx.fake.state.mustRepo(pr.headRepo);
        return hr.owner.toLowerCase() === (owner ?? '').toLowerCase() && pr.headRef === branch;
      })
      .filter((pr) => !base || pr.baseRef === base)
      .sort((a, b) => (ctx.query.get('direction') === 'asc' ? a.number - b.number : b.number - a.number));
    const page = paginate(all, ctx.query, ctx.selfUrl);
    const items = [];
    for (const pr of page.items) items.push(await pullRequest(ctx.fake, pr));
    return json(200, items, page.headers);
  },

  'pulls/update': async (ctx) => {
    const pr = pullOf(ctx);
    const i = ctx.fake.state.issueMap(pr.repo).get(pr.number);
    if (!i) throw notFound(ctx.op.documentationUrl);
    const body = bodyOf(ctx);
    if (typeof body.title === 'string') i.title = body.title;
    if ('body' in body) i.body = str(body.body) ?? null;
    if (body.state === 'open' || body.state === 'closed') setState(i, body.state);
    if (typeof body.base === 'string') {
      if (!(await g.branchSha(repoOf(ctx).gitDir, body.base))) {
        throw validationFailed(ctx.op.documentationUrl, [
          { resource: 'PullRequest', field: 'base', code: 'invalid' },
        ]);
      }
      pr.baseRef = body.base;
    }
    if (typeof body.maintainer_can_modify === 'boolean') pr.maintainerCanModify = body.maintainer_can_modify;
    i.updatedAt = nowIso();
    return json(200, await pullRequest(ctx.fake, pr));
  },

  'pulls/list-commits': async (ctx) => {
    const pr = pullOf(ctx);
    const repo = repoOf(ctx);
    const base = (await g.branchSha(repo.gitDir, pr.baseRef)) ?? '';
    const all = (await g.log(repo.gitDir, `${base}..${await headSha(ctx, pr)}`)).reverse();
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((c) => commit(ctx.fake, repo, c)),
      page.headers,
    );
  },

  'pulls/check-if-merged': (ctx) => {
    if (!pullOf(ctx).merged) throw notFound(ctx.op.documentationUrl);
    return { status: 204 };
  },

  'pulls/request-reviewers': async (ctx) => {
    const pr = pullOf(ctx);
    const author = ctx.fake.state.issueMap(pr.repo).get(pr.number)?.user;
    const reviewers = strings(bodyOf(ctx).reviewers) ?? [];
    if (reviewers.some((r) => r.toLowerCase() === author?.toLowerCase())) {
      throw validationFailed(
        ctx.op.documentationUrl,
        [],
        'Review cannot be requested from pull request author.',
      );
    }
    for (const r of reviewers) if (!pr.requestedReviewers.includes(r)) pr.requestedReviewers.push(r);
    return json(201, await pullRequest(ctx.fake, pr));
  },

  'pulls/remove-requested-reviewers': async (ctx) => {
    const pr = pullOf(ctx);
    const gone = new Set(strings(bodyOf(ctx).reviewers) ?? []);
    pr.requestedReviewers = pr.requestedReviewers.filter((r) => !gone.has(r));
    return json(200, await pullRequest(ctx.fake, pr));
  },

  'pulls/list-requested-reviewers': async (ctx) => {
    const full = await pullRequest(ctx.fake, pullOf(ctx));
    return json(200, { users: full.requested_reviewers, teams: [] });
  },

  'pulls/list-reviews': (ctx) => {
    const pr = pullOf(ctx);
    const all = ctx.fake.reviews(pr.repo, pr.number);
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((r) => review(ctx.fake, r)),
      page.headers,
    );
  },

  'pulls/get-review': (ctx) => {
    const pr = pullOf(ctx);
    const r = ctx.fake.state.reviews.get(intParam(ctx, 'review_id'));
    if (!r || r.repo !== pr.repo || r.pullNumber !== pr.number) throw notFound(ctx.op.documentationUrl);
    return json(200, review(ctx.fake, r));
  },

  'pulls/create-review': async (ctx) => {
    const pr = pullOf(ctx);
    const body = bodyOf(ctx);
    const states: Record<string, ReviewRecord['state']> = {
      APPROVE: 'APPROVED',
      REQUEST_CHANGES: 'CHANGES_REQUESTED',
      COMMENT: 'COMMENTED',
    };
    const r = ctx.fake.addReview(pr.repo, pr.number, {
      user: ctx.actor,
      state: states[String(body.event)] ?? 'PENDING',
      body: str(body.body) ?? '',
      commitId: str(body.commit_id) ?? (await headSha(ctx, pr)),
    });
    for (const c of Array.isArray(body.comments) ? (body.comments as Record<string, unknown>[]) : []) {
      ctx.fake.addReviewCommentRecord({
        repo: pr.repo,
        pullNumber: pr.number,
        path: String(c.path),
        line: typeof c.line === 'number' ? c.line : typeof c.position === 'number' ? c.position : null,
        startLine: typeof c.start_line === 'number' ? c.start_line : null,
        side: c.side === 'LEFT' ? 'LEFT' : 'RIGHT',
        diffHunk: '@@ -1 +1 @@',
        commitId: r.commitId,
        body: String(c.body),
        user: ctx.actor,
        reviewId: r.id,
      });
    }
    return json(200, review(ctx.fake, r));
  },

  'pulls/list-review-comments': (ctx) => {
    const pr = pullOf(ctx);
    const all = ctx.fake.reviewComments(pr.repo, pr.number);
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((c) => reviewComment(ctx.fake, c)),
      page.headers,
    );
  },

  'pulls/list-review-comments-for-repo': (ctx) => {
    const all = ctx.fake.reviewComments(repoOf(ctx));
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((c) => reviewComment(ctx.fake, c)),
      page.headers,
    );
  },

  'pulls/get-review-comment': (ctx) => json(200, reviewComment(ctx.fake, reviewCommentOf(ctx))),

  'pulls/update-review-comment': (ctx) => {
    const c = reviewCommentOf(ctx);
    c.body = String(bodyOf(ctx).body);
    c.updatedAt = nowIso();
    return json(200, reviewComment(ctx.fake, c));
  },

  'pulls/delete-review-comment': (ctx) => {
    ctx.fake.state.reviewComments.delete(reviewCommentOf(ctx).id);
    return { status: 204 };
  },

  'pulls/create-reply-for-review-comment': (ctx) => {
    pullOf(ctx);
    const c = reply(ctx, reviewCommentOf(ctx), String(bodyOf(ctx).body));
    return json(201, reviewComment(ctx.fake, c));
  },

  'pulls/create-review-comment': async (ctx) => {
    const pr = pullOf(ctx);
    const body = bodyOf(ctx);
    if (typeof body.in_reply_to === 'number') {
      const target = ctx.fake.state.reviewComments.get(body.in_reply_to);
      if (!target || target.repo !== pr.repo || target.pullNumber !== pr.number)
        throw notFound(ctx.op.documentationUrl);
      return json(201, reviewComment(ctx.fake, reply(ctx, target, String(body.body))));
    }
    const line =
      typeof body.line === 'number' ? body.line : typeof body.position === 'number' ? body.position : null;
    if (typeof body.path !== 'string' || (line === null && body.subject_type !== 'file')) {
      throw new HttpError(422, {
        message: 'Unprocessable Entity',
        errors: ['"path" and "line" are required unless subject_type is "file"'],
        documentation_url: ctx.op.documentationUrl,
        status: '422',
      });
    }
    const c = ctx.fake.addReviewCommentRecord({
      repo: pr.repo,
      pullNumber: pr.number,
      path: body.path,
      line,
      startLine: typeof body.start_line === 'number' ? body.start_line : null,
      side: body.side === 'LEFT' ? 'LEFT' : 'RIGHT',
      diffHunk: line === null ? '' : `@@ -${line} +${line} @@`,
      commitId: str(body.commit_id) ?? (await headSha(ctx, pr)),
      body: String(body.body),
      user: ctx.actor,
      reviewId: null,
    });
    return json(201, reviewComment(ctx.fake, c));
  },
};
