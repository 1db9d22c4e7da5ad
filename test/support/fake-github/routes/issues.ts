// Issues (also the issue side of pull requests): get/list/create/update, comments, labels, assignees.
import { HttpError, json, notFound, paginate } from '../http.js';
import { comment, issue, label } from '../serialize.js';
import { repoKey } from '../state.js';
import { nowIso, type CommentRecord, type IssueRecord } from '../types.js';
import type { Handlers, RouteContext } from './types.js';
import { bodyOf, intParam, issueOf, repoOf, str, strings } from './util.js';

/** Every body form the add/set labels operations accept. */
function labelNames(body: unknown): string[] {
  const list = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { labels?: unknown }).labels)
      ? ((body as { labels: unknown[] }).labels ?? [])
      : [];
  return list
    .map((l) =>
      typeof l === 'string'
        ? l
        : l && typeof l === 'object'
          ? str((l as { name?: unknown }).name)
          : undefined,
    )
    .filter((l): l is string => typeof l === 'string');
}

function touch(i: IssueRecord): void {
  i.updatedAt = nowIso();
}

function commentOf(ctx: RouteContext): CommentRecord {
  const c = ctx.fake.state.comments.get(intParam(ctx, 'comment_id'));
  if (!c || c.repo !== repoKey(repoOf(ctx))) throw notFound(ctx.op.documentationUrl);
  return c;
}

function labelsReply(ctx: RouteContext, i: IssueRecord) {
  const repo = repoOf(ctx);
  return json(
    200,
    i.labels.map((l) => label(ctx.fake, repo, l)),
  );
}

export function setState(i: IssueRecord, state: unknown, reason?: unknown): void {
  if (state !== 'open' && state !== 'closed') return;
  if (state !== i.state) i.closedAt = state === 'closed' ? nowIso() : null;
  i.state = state;
  i.stateReason =
    state === 'closed' ? (str(reason) ?? 'completed') : str(reason) === 'reopened' ? 'reopened' : null;
}

export const issueRoutes: Handlers = {
  'issues/get': (ctx) => json(200, issue(ctx.fake, issueOf(ctx))),

  'issues/list-for-repo': (ctx) => {
    const repo = repoOf(ctx);
    const state = ctx.query.get('state') ?? 'open';
    const labels = (ctx.query.get('labels') ?? '').split(',').filter(Boolean);
    const assignee = ctx.query.get('assignee');
    const creator = ctx.query.get('creator');
    const all = [...ctx.fake.state.issueMap(repoKey(repo)).values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => labels.every((l) => i.labels.some((x) => x.toLowerCase() === l.toLowerCase())))
      .filter(
        (i) =>
          !assignee ||
          (assignee === 'none'
            ? i.assignees.length === 0
            : assignee === '*'
              ? i.assignees.length > 0
              : i.assignees.includes(assignee)),
      )
      .filter((i) => !creator || i.user === creator)
      .sort((a, b) => (ctx.query.get('direction') === 'asc' ? a.number - b.number : b.number - a.number));
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((i) => issue(ctx.fake, i)),
      page.headers,
    );
  },

  'issues/create': (ctx) => {
    const body = bodyOf(ctx);
    const created = ctx.fake.addIssue(repoOf(ctx), {
      title: String(body.title),
      body: str(body.body) ?? null,
      user: ctx.actor,
      labels: labelNames(body),
      assignees: strings(body.assignees) ?? [],
    });
    return json(201, issue(ctx.fake, created));
  },

  'issues/update': (ctx) => {
    const i = issueOf(ctx);
    const body = bodyOf(ctx);
    if (typeof body.title === 'string') i.title = body.title;
    if ('body' in body) i.body = str(body.body) ?? null;
    if ('state' in body) setState(i, body.state, body.state_reason);
    if (Array.isArray(body.labels))
      i.labels = labelNames(body).map((l) => ctx.fake.state.label(i.repo, l).name);
    if (Array.isArray(body.assignees)) i.assignees = strings(body.assignees) ?? [];
    if (typeof body.assignee === 'string') i.assignees = [body.assignee];
    if (body.assignee === null) i.assignees = [];
    touch(i);
    return json(200, issue(ctx.fake, i));
  },

  'issues/list-comments': (ctx) => {
    const i = issueOf(ctx);
    const all = ctx.fake.comments(i.repo, i.number);
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((c) => comment(ctx.fake, c)),
      page.headers,
    );
  },

  'issues/list-comments-for-repo': (ctx) => {
    const repo = repoKey(repoOf(ctx));
    const all = [...ctx.fake.state.comments.values()].filter((c) => c.repo === repo);
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((c) => comment(ctx.fake, c)),
      page.headers,
    );
  },

  'issues/create-comment': (ctx) => {
    const i = issueOf(ctx);
    const c = ctx.fake.addComment(i.repo, i.number, { body: String(bodyOf(ctx).body), user: ctx.actor });
    return json(201, comment(ctx.fake, c));
  },

  'issues/get-comment': (ctx) => json(200, comment(ctx.fake, commentOf(ctx))),

  'issues/update-comment': (ctx) => {
    const c = commentOf(ctx);
    c.body = String(bodyOf(ctx).body);
    c.updatedAt = nowIso();
    return json(200, comment(ctx.fake, c));
  },

  'issues/delete-comment': (ctx) => {
    ctx.fake.state.comments.delete(commentOf(ctx).id);
    return { status: 204 };
  },

  'issues/list-labels-on-issue': (ctx) => labelsReply(ctx, issueOf(ctx)),

  'issues/add-labels': (ctx) => {
    const i = issueOf(ctx);
    for (const name of labelNames(ctx.body)) {
      const l = ctx.fake.state.label(i.repo, name);
      if (!i.labels.some((x) => x.toLowerCase() === l.name.toLowerCase())) i.labels.push(l.name);
    }
    touch(i);
    return labelsReply(ctx, i);
  },

  'issues/set-labels': (ctx) => {
    const i = issueOf(ctx);
    i.labels = labelNames(ctx.body).map((name) => ctx.fake.state.label(i.repo, name).name);
    touch(i);
    return labelsReply(ctx, i);
  },

  'issues/remove-label': (ctx) => {
    const i = issueOf(ctx);
    const name = (ctx.params.name ?? '').toLowerCase();
    const before = i.labels.length;
    i.labels = i.labels.filter((l) => l.toLowerCase() !== name);
    if (i.labels.length === before) {
      throw new HttpError(404, {
        message: 'Label does not exist',
        documentation_url: ctx.op.documentationUrl,
        status: '404',
      });
    }
    touch(i);
    return labelsReply(ctx, i);
  },

  'issues/remove-all-labels': (ctx) => {
    const i = issueOf(ctx);
    i.labels = [];
    touch(i);
    return { status: 204 };
  },

  'issues/add-assignees': (ctx) => {
    const i = issueOf(ctx);
    for (const a of strings(bodyOf(ctx).assignees) ?? []) if (!i.assignees.includes(a)) i.assignees.push(a);
    touch(i);
    return json(201, issue(ctx.fake, i));
  },

  'issues/remove-assignees': (ctx) => {
    const i = issueOf(ctx);
    const gone = new Set(strings(bodyOf(ctx).assignees) ?? []);
    i.assignees = i.assignees.filter((a) => !gone.has(a));
    touch(i);
    return json(200, issue(ctx.fake, i));
  },
};
