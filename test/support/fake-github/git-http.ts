// Smart HTTP git under /git/{owner}/{repo}.git/..., served by `git http-backend` (CGI). Basic auth
// with user `x-access-token` and an installation token for the repository, as on GitHub. Pushes
// are recorded from ref snapshots taken around each receive-pack.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { grants, tokenCoversRepo } from './auth.js';
import type { FakeGitHub } from './fake.js';
import { gitEnv } from './git.js';
import type { TokenRecord } from './types.js';

const PATH_RE = /^\/git\/([^/]+)\/([^/]+?)\.git(\/.*)?$/;

function deny(res: ServerResponse, status: number, message: string, challenge = false): number {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    ...(challenge ? { 'www-authenticate': 'Basic realm="GitHub"' } : {}),
  });
  res.end(`${message}\n`);
  return status;
}

function basicToken(fake: FakeGitHub, header: string | undefined): TokenRecord | undefined {
  const m = /^basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== 'x-access-token') return undefined;
  return fake.lookupToken(decoded.slice(colon + 1));
}

/** Handles one git request; returns the status sent (for the call log). */
export async function handleGit(
  fake: FakeGitHub,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<number> {
  const m = PATH_RE.exec(url.pathname);
  if (!m?.[1] || !m[2]) return deny(res, 404, 'Repository not found.');
  const rest = m[3] ?? '/';
  const service =
    url.searchParams.get('service') ??
    (rest.endsWith('/git-receive-pack') ? 'git-receive-pack' : 'git-upload-pack');
  const push = service === 'git-receive-pack';
  const token = basicToken(fake, req.headers.authorization);
  if (!token) return deny(res, 401, 'Invalid username or token.', true);
  const repo = fake.state.repo(`${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`);
  const readable =
    repo && (tokenCoversRepo(token, repo) || (!push && repo.parent && tokenCoversRepo(token, repo.parent)));
  if (!repo || !readable) return deny(res, 404, 'Repository not found.');
  if (!grants(token.permissions, 'contents', push ? 'write' : 'read')) {
    return deny(res, 403, `Permission to ${repo.fullName}.git denied to ${fake.botLogin}.`);
  }
  const pathInfo = `/${repo.fullName.toLowerCase()}.git${rest}`;
  if (push && rest.endsWith('/git-receive-pack')) {
    return fake.withRepoLock(repo, async () => {
      const before = await fake.refSnapshot(repo);
      const out = await runBackend(fake, req, pathInfo, url, true);
      await fake.recordPushes(repo, before, await fake.refSnapshot(repo));
      return send(res, out);
    });
  }
  if (!push) await fake.syncPullRefs(repo);
  return send(res, await runBackend(fake, req, pathInfo, url, false));
}

interface CgiOutput {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function send(res: ServerResponse, out: CgiOutput): number {
  res.writeHead(out.status, out.headers);
  res.end(out.body);
  return out.status;
}

/** Runs git http-backend for one request; the (small, in tests) answer is buffered. */
function runBackend(
  fake: FakeGitHub,
  req: IncomingMessage,
  pathInfo: string,
  url: URL,
  push: boolean,
): Promise<CgiOutput> {
  const env = gitEnv({
    GIT_PROJECT_ROOT: join(fake.root, 'repos'),
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: pathInfo,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: 'x-access-token',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
  });
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    req.pipe(child.stdin);
    child.on('close', () => {
      const raw = Buffer.concat(out);
      let split = raw.indexOf('\r\n\r\n');
      let sepLength = 4;
      if (split < 0) {
        split = raw.indexOf('\n\n');
        sepLength = 2;
      }
      if (split < 0) {
        resolve({
          status: 500,
          headers: { 'content-type': 'text/plain' },
          body: Buffer.from(
            `git http-backend failed (${push ? 'push' : 'fetch'}): ${Buffer.concat(err).toString()}`,
          ),
        });
        return;
      }
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of raw.subarray(0, split).toString().split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'status') status = Number(value.split(' ')[0]) || 500;
        else headers[name] = value;
      }
      resolve({ status, headers, body: raw.subarray(split + sepLength) });
    });
  });
}
