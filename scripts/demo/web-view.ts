/**
 * The simulated GitHub's web pages, for a person to read what Nightshift did there: the fake
 * GitHub is started with this server as its `webUrl`, so every `html_url` it hands out (in the
 * tracking comment, the pull request's body, the status page's PR column) opens a page here.
 * Read-only and plain: titles, bodies and comments as Nightshift wrote them (Markdown shown as
 * text), the diff, and the check runs. The pages refresh themselves while a check run is open.
 */
import { escapeHtml } from '../../core/status/html.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckRunRecord, FakeGitHub, IssueRecord } from '../../test/support/fake-github/index.js';
import { readPullRequest, type PullRequestView } from './pull-request.js';

export interface WebView {
  url: string;
  close(): Promise<void>;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";
const STYLE = `body{font:14px/1.5 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#1f2328}
.demo{background:#fff8c5;border:1px solid #d4a72c;padding:.5em 1em;border-radius:6px}
pre{background:#f6f8fa;padding:1em;border-radius:6px;overflow:auto;white-space:pre-wrap}
.box{border:1px solid #d0d7de;border-radius:6px;padding:.5em 1em;margin:1em 0}
.meta{color:#59636e}.add{color:#116329}.del{color:#82071e}`;

const esc = escapeHtml;

function page(title: string, body: string, refresh: boolean): string {
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
${refresh ? '<meta http-equiv="refresh" content="2">' : ''}<title>${esc(title)}</title><style>${STYLE}</style></head><body>
<p class="demo">DEMO: a simulated GitHub on this machine. Nothing here left it.</p>
${body}</body></html>`;
}

/** Markdown shown as written, less its HTML comments, which GitHub does not show either. */
function text(body: string | null): string {
  const shown = body?.replace(/<!--[\s\S]*?-->\n?/g, '').trim();
  return shown ? `<pre>${esc(shown)}</pre>` : '<p class="meta">No description.</p>';
}

function diffHtml(diff: string): string {
  const lines = diff.split('\n').map((line) => {
    const cls =
      line.startsWith('+') && !line.startsWith('+++')
        ? 'add'
        : line.startsWith('-') && !line.startsWith('---')
          ? 'del'
          : '';
    return cls ? `<span class="${cls}">${esc(line)}</span>` : esc(line);
  });
  return `<pre>${lines.join('\n')}</pre>`;
}

function checkRunHtml(run: CheckRunRecord, repoPath: string): string {
  const state = run.conclusion ?? run.status;
  return `<div class="box"><b><a href="${esc(`${repoPath}/runs/${run.id}`)}">${esc(run.name)}</a></b>
 <span class="meta">${esc(state)}</span>${run.output.title ? ` · ${esc(run.output.title)}` : ''}
${text(run.output.summary)}${run.output.text ? text(run.output.text) : ''}</div>`;
}

function comments(github: FakeGitHub, repo: string, number: number): string {
  return github
    .comments(repo, number)
    .map(
      (c) =>
        `<div class="box" id="issuecomment-${c.id}"><b>${esc(c.user)}</b> <span class="meta">commented ${esc(c.updatedAt)}</span>${text(c.body)}</div>`,
    )
    .join('\n');
}

function issuePage(github: FakeGitHub, repo: string, issue: IssueRecord): string {
  const labels = issue.labels.length ? ` · labels: ${esc(issue.labels.join(', '))}` : '';
  const assignees = issue.assignees.length ? ` · assigned to ${esc(issue.assignees.join(', '))}` : '';
  return page(
    issue.title,
    `<p><a href="/${esc(repo)}">${esc(repo)}</a></p><h1>${esc(issue.title)} <span class="meta">#${issue.number}</span></h1>
<p class="meta">${esc(issue.state)} · opened by ${esc(issue.user)}${labels}${assignees}</p>
${text(issue.body)}${comments(github, repo, issue.number)}`,
    false,
  );
}

function pullRequestPage(github: FakeGitHub, repo: string, pr: PullRequestView): string {
  const state = pr.draft ? 'draft' : pr.state;
  const reviewers = pr.requestedReviewers.length
    ? ` · review requested from ${esc(pr.requestedReviewers.join(', '))}`
    : '';
  const open = pr.checkRuns.some((run) => run.status !== 'completed');
  return page(
    pr.title,
    `<p><a href="/${esc(repo)}">${esc(repo)}</a></p><h1>${esc(pr.title)} <span class="meta">#${pr.number}</span></h1>
<p class="meta">${esc(state)} · ${esc(pr.author)} wants to merge <code>${esc(pr.headRef)}</code> into <code>${esc(pr.baseRef)}</code>
 · assigned to ${esc(pr.assignees.join(', ') || 'nobody')}${reviewers}</p>
${text(pr.body)}<h2>Checks</h2>${pr.checkRuns.map((run) => checkRunHtml(run, `/${repo}`)).join('\n') || '<p class="meta">None yet.</p>'}
<h2>Conversation</h2>${comments(github, repo, pr.number) || '<p class="meta">No comments.</p>'}
<h2>Files changed</h2>${diffHtml(pr.diff)}`,
    open,
  );
}

function repositoryPage(github: FakeGitHub, repo: string): string {
  const items = github
    .issues(repo)
    .sort((a, b) => b.number - a.number)
    .map((i) => {
      const kind = i.isPullRequest ? 'pull' : 'issues';
      return `<li><a href="/${esc(repo)}/${kind}/${i.number}">${i.isPullRequest ? 'Pull request' : 'Issue'} #${i.number}: ${esc(i.title)}</a> <span class="meta">${esc(i.state)}</span></li>`;
    });
  return page(repo, `<h1>${esc(repo)}</h1><ul>${items.join('\n')}</ul>`, false);
}

type Answer = { status: number; type: string; body: string } | { redirect: string };

const HTML = 'text/html; charset=utf-8';

async function render(github: FakeGitHub, repo: string, path: string): Promise<Answer> {
  if (path === '/' || path === `/${repo}`)
    return { status: 200, type: HTML, body: repositoryPage(github, repo) };
  const prefix = `/${repo}/`;
  const [, kind, id, asDiff] = path.startsWith(prefix)
    ? (/^(issues|pull|runs)\/(\d+)(\.diff)?$/.exec(path.slice(prefix.length)) ?? [])
    : [];
  const number = Number(id);
  if (kind === 'pull') {
    const pr = await readPullRequest(github, repo, number);
    if (pr && asDiff) return { status: 200, type: 'text/plain; charset=utf-8', body: pr.diff };
    if (pr) return { status: 200, type: HTML, body: pullRequestPage(github, repo, pr) };
  } else if (kind === 'issues' && !asDiff) {
    const issue = github.issue(repo, number);
    if (issue?.isPullRequest) return { redirect: `/${repo}/pull/${number}` };
    if (issue) return { status: 200, type: HTML, body: issuePage(github, repo, issue) };
  } else if (kind === 'runs' && !asDiff) {
    const run = github.checkRuns(repo).find((r) => r.id === number);
    const body = run && page(run.name, checkRunHtml(run, `/${repo}`), run.status !== 'completed');
    if (body) return { status: 200, type: HTML, body };
  }
  const missing = `<p>The demo does not simulate this page. <a href="/${esc(repo)}">${esc(repo)}</a></p>`;
  return { status: 404, type: HTML, body: page('Not simulated', missing, false) };
}

function send(res: ServerResponse, answer: Answer): void {
  if ('redirect' in answer) {
    res.writeHead(302, { location: answer.redirect }).end();
    return;
  }
  res
    .writeHead(answer.status, {
      'content-type': answer.type,
      'content-security-policy': CSP,
      'cache-control': 'no-store',
    })
    .end(answer.body);
}

/** Listens on loopback; `github()` is read per request, so the fake may start after this does. */
export async function startWebView(github: () => FakeGitHub | undefined, repo: string): Promise<WebView> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const fake = github();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!fake || req.method !== 'GET') {
      res.writeHead(fake ? 405 : 503).end();
      return;
    }
    render(fake, repo, path).then(
      (answer) => send(res, answer),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
