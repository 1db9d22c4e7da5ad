// What a REST route handler receives, and the handler table type (keyed by operationId).
import type { IncomingHttpHeaders } from 'node:http';
import type { Credentials } from '../auth.js';
import type { FakeGitHub } from '../fake.js';
import type { Reply } from '../http.js';
import type { Operation } from '../openapi.js';
import type { RepoRecord } from '../types.js';

export interface RouteContext {
  fake: FakeGitHub;
  op: Operation;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when there was none). */
  body: unknown;
  headers: IncomingHttpHeaders;
  credentials: Credentials;
  /** Resolved and access-checked for `/repos/{owner}/{repo}/...` routes. */
  repo: RepoRecord | undefined;
  /** Login acting: the app's bot for installation tokens. */
  actor: string;
  /** Absolute URL of this request, for pagination links. */
  selfUrl: string;
}

export type Handler = (ctx: RouteContext) => Promise<Reply> | Reply;
export type Handlers = Record<string, Handler>;
