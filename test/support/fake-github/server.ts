// The request pipeline: git → git-http; REST → scripted failures, route match against the
// description (404), implemented? (501), auth (401/403/404), body schema (422), handler.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readCredentials, requiredPermission, tokenCoversRepo, unauthorized, grants } from './auth.js';
import type { FakeGitHub } from './fake.js';
import { handleGit } from './git-http.js';
import { HttpError, readBody, type Reply } from './http.js';
import { describeErrors, loadOpenApi, type Operation } from './openapi.js';
import { handlers } from './routes/index.js';
import type { RouteContext } from './routes/types.js';
import { nowIso, type CallRecord, type RepoRecord } from './types.js';

/** Routes that take the app's JWT rather than an installation token. */
function wantsJwt(op: Operation): boolean {
  return (
    op.template === '/app' ||
    op.template.startsWith('/app/') ||
    ['apps/get-repo-installation', 'apps/get-org-installation', 'apps/get-user-installation'].includes(
      op.operationId,
    )
  );
}

/** Routes GitHub answers without authentication. */
const UNAUTHENTICATED = new Set(['apps/create-from-manifest']);

const RESOURCES: Record<string, string> = {
  checks: 'CheckRun',
  issues: 'Issue',
  pulls: 'PullRequest',
  reactions: 'Reaction',
  git: 'Ref',
  repos: 'Repository',
  apps: 'Installation',
};

export function createRequestListener(fake: FakeGitHub) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(fake, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `fake GitHub crashed: ${String(err)}` }));
    });
  };
}

async function handle(fake: FakeGitHub, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', fake.url);
  const method = (req.method ?? 'GET').toUpperCase();
  const call: CallRecord = {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body: undefined,
    status: 0,
    operationId: undefined,
    at: nowIso(),
    doneAt: Date.now(),
  };
  if (url.pathname.startsWith('/git/')) {
    call.operationId = `git:${url.searchParams.get('service') ?? url.pathname.split('/').pop()}`;
    fake.calls.push(call);
    call.status = await handleGit(fake, req, res, url);
    return;
  }
  const raw = await readBody(req);
  let reply: Reply;
  try {
    reply = fake.oauth.handle(req, url, method, raw) ?? (await rest(fake, req, url, method, raw, call));
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    reply = { status: err.status, body: err.body, headers: err.headers };
  }
  call.status = reply.status;
  call.doneAt = Date.now();
  fake.calls.push(call);
  send(res, reply, method);
}

function send(res: ServerResponse, reply: Reply, method: string): void {
  const reset = Math.floor(Date.now() / 1000) + 3600;
  const headers: Record<string, string> = {
    'x-github-request-id': randomUUID().toUpperCase(),
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(reset),
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
  };
  let payload: string | Buffer = '';
  if (reply.raw !== undefined) {
    payload = reply.raw;
  } else if (reply.body !== undefined && reply.status !== 204) {
    headers['content-type'] = 'application/json; charset=utf-8';
    payload = JSON.stringify(reply.body);
  }
  Object.assign(headers, reply.headers);
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' ? undefined : payload);
}

async function rest(
  fake: FakeGitHub,
  req: IncomingMessage,
  url: URL,
  method: string,
  raw: Buffer,
  call: CallRecord,
): Promise<Reply> {
  const api = await loadOpenApi();
  const match = api.match(method, url.pathname);
  let body: unknown;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString());
    } catch {
      body = raw.toString();
    }
  }
  call.body = body;
  call.operationId = match?.operation.operationId;

  const failure = fake.takeFailure(method, url.pathname, match?.operation);
  if (failure) return failure;
  if (!match) {
    return {
      status: 404,
      body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
    };
  }
  const { operation: op, params } = match;
  const handler = handlers[op.operationId];
  if (!handler) {
    return {
      status: 501,
      body: {
        message: `fake GitHub does not implement ${op.operationId} (${op.method} ${op.template})`,
        operationId: op.operationId,
        documentation_url: op.documentationUrl,
      },
    };
  }

  const credentials = readCredentials(
    req.headers.authorization,
    (jwt) => fake.verifyJwt(jwt),
    (token) => fake.lookupToken(token),
  );
  if (credentials.kind === 'none' && !UNAUTHENTICATED.has(op.operationId))
    throw unauthorized('Requires authentication');
  if (credentials.kind === 'invalid') throw unauthorized(credentials.message);
  if (wantsJwt(op) && credentials.kind !== 'jwt') {
    throw unauthorized('A JSON web token could not be decoded');
  }
  if (!wantsJwt(op) && credentials.kind === 'jwt') {
    throw unauthorized('This endpoint requires an installation access token, not the app JWT');
  }

  let repo: RepoRecord | undefined;
  if (op.template.startsWith('/repos/{owner}/{repo}')) {
    repo = fake.state.repo(`${params.owner ?? ''}/${params.repo ?? ''}`);
    const notFound = {
      status: 404,
      body: { message: 'Not Found', documentation_url: op.documentationUrl, status: '404' },
    };
    if (!repo) return notFound;
    if (credentials.kind === 'token') {
      const token = credentials.token;
      const readOnlyFork =
        method === 'GET' && repo.parent !== undefined && tokenCoversRepo(token, repo.parent);
      if (!tokenCoversRepo(token, repo) && !readOnlyFork) return notFound;
      const need = requiredPermission(op);
      if (need && !need.names.some((n) => grants(token.permissions, n, need.level))) {
        return {
          status: 403,
          body: {
            message: 'Resource not accessible by integration',
            documentation_url: op.documentationUrl,
            status: '403',
          },
          headers: {
            'x-accepted-github-permissions': need.names.map((n) => `${n}=${need.level}`).join('; '),
          },
        };
      }
    }
  }

  if (['POST', 'PATCH', 'PUT'].includes(method)) {
    if (typeof body === 'string') {
      return {
        status: 400,
        body: { message: 'Problems parsing JSON', documentation_url: op.documentationUrl, status: '400' },
      };
    }
    const requestBody = op.raw.requestBody as { required?: boolean } | undefined;
    if (body !== undefined || requestBody?.required) {
      const errors = api.validateBody(op, body ?? {});
      if (errors) {
        const { lines, fields } = describeErrors(errors);
        const resource = RESOURCES[op.operationId.split('/')[0] ?? ''] ?? 'Resource';
        return {
          status: 422,
          body: {
            message: `Invalid request.\n\n${lines.join('\n')}`,
            errors: fields.map((f) => ({ resource, ...f })),
            documentation_url: op.documentationUrl,
            status: '422',
          },
        };
      }
    }
  }

  const ctx: RouteContext = {
    fake,
    op,
    params,
    query: url.searchParams,
    body,
    headers: req.headers,
    credentials,
    repo,
    actor: fake.botLogin,
    selfUrl: url.toString(),
  };
  return handler(ctx);
}
