// Helpers for route handlers: typed access to params and bodies, common lookups.
import { HttpError, notFound } from '../http.js';
import { repoKey } from '../state.js';
import type { IssueRecord, PullRequestRecord, RepoRecord } from '../types.js';
import type { RouteContext } from './types.js';

export type Body = Record<string, unknown>;

export function repoOf(ctx: RouteContext): RepoRecord {
  if (!ctx.repo) throw notFound(ctx.op.documentationUrl);
  return ctx.repo;
}

export function bodyOf(ctx: RouteContext): Body {
  return ctx.body !== null && typeof ctx.body === 'object' && !Array.isArray(ctx.body)
    ? (ctx.body as Body)
    : {};
}

export function intParam(ctx: RouteContext, name: string): number {
  const value = Number(ctx.params[name]);
  if (!Number.isInteger(value)) throw notFound(ctx.op.documentationUrl);
  return value;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

export function issueOf(ctx: RouteContext, param = 'issue_number'): IssueRecord {
  const repo = repoOf(ctx);
  const issue = ctx.fake.state.issueMap(repoKey(repo)).get(intParam(ctx, param));
  if (!issue) throw notFound(ctx.op.documentationUrl);
  return issue;
}

export function pullOf(ctx: RouteContext): PullRequestRecord {
  const repo = repoOf(ctx);
  const pr = ctx.fake.state.pullMap(repoKey(repo)).get(intParam(ctx, 'pull_number'));
  if (!pr) throw notFound(ctx.op.documentationUrl);
  return pr;
}

export function forbidden(ctx: RouteContext, message: string): HttpError {
  return new HttpError(403, { message, documentation_url: ctx.op.documentationUrl, status: '403' });
}
