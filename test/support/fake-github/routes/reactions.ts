// Reactions on issues, issue comments and pull request review comments.
import { json, notFound, paginate } from '../http.js';
import { reaction } from '../serialize.js';
import { repoKey } from '../state.js';
import { nowIso, type ReactionSubject } from '../types.js';
import type { Handler, Handlers, RouteContext } from './types.js';
import { bodyOf, intParam, issueOf, repoOf } from './util.js';

function subjectOf(ctx: RouteContext, subject: ReactionSubject): { repo: string; id: number } {
  const repo = repoKey(repoOf(ctx));
  if (subject === 'issue') return { repo, id: issueOf(ctx).number };
  const id = intParam(ctx, 'comment_id');
  const found =
    subject === 'issue_comment' ? ctx.fake.state.comments.get(id) : ctx.fake.state.reviewComments.get(id);
  if (!found || found.repo !== repo) throw notFound(ctx.op.documentationUrl);
  return { repo, id };
}

function create(subject: ReactionSubject): Handler {
  return (ctx) => {
    const { repo, id } = subjectOf(ctx, subject);
    const content = String(bodyOf(ctx).content);
    const existing = ctx.fake.state.reactions.find(
      (r) =>
        r.repo === repo &&
        r.subject === subject &&
        r.subjectId === id &&
        r.content === content &&
        r.user === ctx.actor,
    );
    if (existing) return json(200, reaction(ctx.fake, existing));
    const r = {
      id: ctx.fake.state.nextId(),
      repo,
      subject,
      subjectId: id,
      content,
      user: ctx.actor,
      createdAt: nowIso(),
    };
    ctx.fake.state.reactions.push(r);
    return json(201, reaction(ctx.fake, r));
  };
}

function list(subject: ReactionSubject): Handler {
  return (ctx) => {
    const { repo, id } = subjectOf(ctx, subject);
    const content = ctx.query.get('content');
    const all = ctx.fake.state.reactions.filter(
      (r) =>
        r.repo === repo && r.subject === subject && r.subjectId === id && (!content || r.content === content),
    );
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((r) => reaction(ctx.fake, r)),
      page.headers,
    );
  };
}

function remove(subject: ReactionSubject): Handler {
  return (ctx) => {
    const { repo, id } = subjectOf(ctx, subject);
    const reactionId = intParam(ctx, 'reaction_id');
    const list = ctx.fake.state.reactions;
    const index = list.findIndex(
      (r) => r.id === reactionId && r.repo === repo && r.subject === subject && r.subjectId === id,
    );
    if (index >= 0) list.splice(index, 1);
    return { status: 204 };
  };
}

export const reactionRoutes: Handlers = {
  'reactions/create-for-issue': create('issue'),
  'reactions/list-for-issue': list('issue'),
  'reactions/delete-for-issue': remove('issue'),
  'reactions/create-for-issue-comment': create('issue_comment'),
  'reactions/list-for-issue-comment': list('issue_comment'),
  'reactions/delete-for-issue-comment': remove('issue_comment'),
  'reactions/create-for-pull-request-review-comment': create('review_comment'),
  'reactions/list-for-pull-request-review-comment': list('review_comment'),
  'reactions/delete-for-pull-request-comment': remove('review_comment'),
};
