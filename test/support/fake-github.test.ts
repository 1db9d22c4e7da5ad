import { execFile } from 'node:child_process';
import { createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { Webhooks } from '@octokit/webhooks';
import { ProbotOctokit } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  payloadFor,
  signedDelivery,
  startFakeGitHub,
  type FakeGitHub,
  type RepoRecord,
} from './fake-github/index.js';
import { loadOpenApi } from './fake-github/openapi.js';
import { handlers } from './fake-github/routes/index.js';

const run = promisify(execFile);

let fake: FakeGitHub;
let repo: RepoRecord;
let work: string;
let firstStartMs = 0;

const gitEnv = () => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: work,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '/bin/false',
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
});

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, env: gitEnv() });
  return stdout.trim();
}

async function api(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `token ${init.token}`);
  if (init.body) headers.set('content-type', 'application/json');
  const res = await fetch(`${fake.url}${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: body as Record<string, unknown> };
}

beforeAll(async () => {
  const t0 = Date.now();
  fake = await startFakeGitHub({ appId: 4242 });
  firstStartMs = Date.now() - t0;
  work = await mkdtemp(join(tmpdir(), 'fake-github-test-'));
  repo = await fake.addRepo({
    owner: 'acme',
    name: 'widgets',
    files: {
      'README.md': '# widgets\n',
      '.github/nightshift.yml': 'model: claude-test\n',
      'src/a.ts': 'export const a = 1;\n',
    },
  });
});

afterAll(async () => {
  await fake?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('fake GitHub REST', () => {
  it('starts fast once the description is loaded', async () => {
    await loadOpenApi();
    const t0 = Date.now();
    const other = await startFakeGitHub();
    const ms = Date.now() - t0;
    const res = await fetch(`${other.url}/nope`);
    expect(res.status).toBe(404);
    await other.close();
    expect(ms).toBeLessThan(1000);
    expect(firstStartMs).toBeLessThan(5000);
  });

  it('implements only operations that exist in the description', async () => {
    const openapi = await loadOpenApi();
    const unknown = Object.keys(handlers).filter((id) => !openapi.operation(id));
    expect(unknown).toEqual([]);
  });

  it('answers 404 for an unknown route and 501 for a described but unimplemented one', async () => {
    const missing = await api('/definitely/not/github');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ message: 'Not Found', documentation_url: expect.any(String) });

    const unimplemented = await api('/emojis');
    expect(unimplemented.status).toBe(501);
    expect(unimplemented.body.message).toContain('emojis/get');
  });

  it('requires credentials and rejects tokens outside their scope or expired', async () => {
    expect((await api('/repos/acme/widgets')).status).toBe(401);
    expect((await api('/repos/acme/widgets', { token: 'ghs_bogus' })).status).toBe(401);

    const other = await fake.addRepo({ owner: 'acme', name: 'other' });
    const scoped = fake.tokenFor(other, { onlyThisRepo: true });
    expect((await api('/repos/acme/widgets', { token: scoped })).status).toBe(404);
    expect((await api('/repos/acme/other', { token: scoped })).status).toBe(200);

    fake.tokenTtlMs = -1;
    const expired = fake.tokenFor(repo);
    fake.tokenTtlMs = 60 * 60 * 1000;
    expect((await api('/repos/acme/widgets', { token: expired })).status).toBe(401);

    const readOnly = fake.tokenFor(repo, { permissions: { metadata: 'read', checks: 'read' } });
    const denied = await api('/repos/acme/widgets/check-runs', {
      method: 'POST',
      token: readOnly,
      body: JSON.stringify({ name: 'x', head_sha: await fake.branchSha(repo, 'main') }),
    });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('Resource not accessible by integration');
  });

  it('refuses a check run without head_sha with a 422 in GitHub shape', async () => {
    const res = await api('/repos/acme/widgets/check-runs', {
      method: 'POST',
      token: fake.tokenFor(repo),
      body: JSON.stringify({ name: 'nightshift' }),
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      message: expect.stringMatching(/^Invalid request\.\n\n"head_sha" wasn't supplied\./),
      errors: [expect.objectContaining({ field: 'head_sha', code: 'missing_field' })],
      documentation_url: expect.stringContaining('docs.github.com'),
      status: '422',
    });
    expect(fake.checkRuns(repo)).toHaveLength(0);

    const sha = await fake.branchSha(repo, 'main');
    const action = { label: 'Fix', description: 'Fix it', identifier: 'fix' };
    const tooMany = await api('/repos/acme/widgets/check-runs', {
      method: 'POST',
      token: fake.tokenFor(repo),
      body: JSON.stringify({ name: 'n', head_sha: sha, actions: [action, action, action, action] }),
    });
    expect(tooMany.status).toBe(422);
  });

  it('authenticates as the app (JWT) and as an installation through real Octokit', async () => {
    const appOctokit = new Octokit({
      baseUrl: fake.url,
      authStrategy: createAppAuth,
      auth: { appId: fake.appId, privateKey: fake.privateKey },
    });
    const { data: app } = await appOctokit.request('GET /app');
    expect(app).toMatchObject({ id: 4242, slug: 'nightshift' });
    const { data: installation } = await appOctokit.request('GET /repos/{owner}/{repo}/installation', {
      owner: 'acme',
      repo: 'widgets',
    });
    expect(installation.id).toBe(repo.installationId);

    const octokit = new ProbotOctokit({
      baseUrl: fake.url,
      auth: { appId: fake.appId, privateKey: fake.privateKey, installationId: repo.installationId },
      throttle: { enabled: false },
      retry: { enabled: false },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    const sha = (await fake.branchSha(repo, 'main')) ?? '';
    const { data: created } = await octokit.rest.checks.create({
      owner: 'acme',
      repo: 'widgets',
      name: 'nightshift',
      head_sha: sha,
      status: 'in_progress',
      output: {
        title: 'Working',
        summary: 'Started',
        annotations: [
          { path: 'src/a.ts', start_line: 1, end_line: 1, annotation_level: 'notice', message: 'hi' },
        ],
      },
    });
    expect(created).toMatchObject({
      name: 'nightshift',
      head_sha: sha,
      status: 'in_progress',
      app: { id: 4242 },
    });
    const { data: done } = await octokit.rest.checks.update({
      owner: 'acme',
      repo: 'widgets',
      check_run_id: created.id,
      conclusion: 'success',
    });
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(fake.checkRuns(repo)).toEqual([
      expect.objectContaining({ name: 'nightshift', conclusion: 'success' }),
    ]);
    expect(fake.callsTo('checks/create').filter((c) => c.status === 201)).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/repos/acme/widgets/check-runs',
        body: expect.any(Object),
      }),
    ]);
    expect(fake.callsTo('apps/create-installation-access-token')[0]?.status).toBe(201);

    const { data: listed } = await octokit.rest.checks.listForRef({
      owner: 'acme',
      repo: 'widgets',
      ref: 'main',
    });
    expect(listed.total_count).toBe(1);

    // Probot's context.config() path: raw contents, then the org .github repo (missing → 404 → null).
    const config = await octokit.config.get({
      owner: 'acme',
      repo: 'widgets',
      path: '.github/nightshift.yml',
    });
    expect(config.config).toEqual({ model: 'claude-test' });
  });

  it('reads contents raw and as JSON', async () => {
    const token = fake.tokenFor(repo);
    const raw = await api('/repos/acme/widgets/contents/src%2Fa.ts', {
      token,
      headers: { accept: 'application/vnd.github.raw' },
    });
    expect(raw.status).toBe(200);
    expect(raw.body).toBe('export const a = 1;\n');
    const asJson = await api('/repos/acme/widgets/contents/src/a.ts?ref=main', { token });
    expect(Buffer.from(String(asJson.body.content), 'base64').toString()).toBe('export const a = 1;\n');
    expect((await api('/repos/acme/widgets/contents/nope.txt', { token })).status).toBe(404);
    expect((await api('/repos/acme/.github/contents/x.yml', { token })).status).toBe(404);
  });

  it('serves real git: clone with a token, refuse without, record pushes, open a pull request', async () => {
    const token = fake.tokenFor(repo);
    const clone = join(work, 'clone');
    const auth = ['-c', `http.extraHeader=${fake.gitAuthHeader(token)}`];
    await git(work, ...auth, 'clone', '--quiet', '--filter=blob:none', repo.cloneUrl, clone);
    expect(await readFile(join(clone, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\n');

    await expect(git(work, 'clone', '--quiet', repo.cloneUrl, join(work, 'anon'))).rejects.toThrow();
    expect(fake.calls.filter((c) => c.path.startsWith('/git/')).map((c) => c.status)).toContain(401);

    // The filter is honoured by the server: a blobless bare clone is missing blobs.
    const bare = join(work, 'blobless.git');
    await git(work, ...auth, 'clone', '--quiet', '--bare', '--filter=blob:none', repo.cloneUrl, bare);
    const objects = await git(bare, 'rev-list', '--objects', '--all', '--missing=print');
    expect(objects.split('\n').filter((l) => l.startsWith('?')).length).toBeGreaterThan(0);

    await git(clone, 'checkout', '--quiet', '-b', 'nightshift/fix-1');
    await writeFile(join(clone, 'src/a.ts'), 'export const a = 2;\n');
    await git(clone, 'commit', '--quiet', '-am', 'Fix a');
    const pushed = await git(clone, 'rev-parse', 'HEAD');
    await git(clone, ...auth, 'push', '--quiet', 'origin', 'nightshift/fix-1');
    expect(fake.pushes).toContainEqual(
      expect.objectContaining({
        repo: 'acme/widgets',
        ref: 'refs/heads/nightshift/fix-1',
        newSha: pushed,
        created: true,
        forced: false,
        via: 'git',
      }),
    );
    expect(await fake.readFile(repo, 'nightshift/fix-1', 'src/a.ts')).toBe('export const a = 2;\n');

    const res = await api('/repos/acme/widgets/pulls', {
      method: 'POST',
      token,
      body: JSON.stringify({ title: 'Fix a', head: 'nightshift/fix-1', base: 'main', draft: true }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      number: 1,
      draft: true,
      head: { ref: 'nightshift/fix-1', sha: pushed },
    });
    const again = await api('/repos/acme/widgets/pulls', {
      method: 'POST',
      token,
      body: JSON.stringify({ title: 'Fix a', head: 'nightshift/fix-1', base: 'main' }),
    });
    expect(again.status).toBe(422);
    expect(JSON.stringify(again.body)).toContain('A pull request already exists');

    // A force push (amend) is recorded as forced, and the PR head follows the branch.
    await git(clone, 'commit', '--quiet', '--amend', '-m', 'Fix a (amended)');
    const amended = await git(clone, 'rev-parse', 'HEAD');
    await git(clone, ...auth, 'push', '--quiet', '--force', 'origin', 'nightshift/fix-1');
    expect(fake.pushes.at(-1)).toMatchObject({ oldSha: pushed, newSha: amended, forced: true });
    const pr = await api('/repos/acme/widgets/pulls/1', { token });
    expect(pr.body).toMatchObject({ head: { sha: amended } });
  });

  it('rejects app JWTs that are expired, foreign or badly signed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = (claims: Record<string, unknown>, key = fake.privateKey) => {
      const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const data = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}`;
      return `${data}.${createSign('RSA-SHA256').update(data).sign(key, 'base64url')}`;
    };
    const get = (token: string) =>
      fetch(`${fake.url}/app`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get(jwt({ iat: now - 30, exp: now + 500, iss: fake.appId }))).status).toBe(200);
    expect((await get(jwt({ iat: now - 700, exp: now - 60, iss: fake.appId }))).status).toBe(401);
    expect((await get(jwt({ iat: now - 30, exp: now + 500, iss: 1 }))).status).toBe(401);
    const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(
      (
        await get(
          jwt(
            { iat: now - 30, exp: now + 500, iss: fake.appId },
            otherKey.export({ type: 'pkcs8', format: 'pem' }) as string,
          ),
        )
      ).status,
    ).toBe(401);
    // an installation token is not an app JWT
    expect((await get(fake.tokenFor(repo))).status).toBe(401);
  });

  it('scripts failures with failNext', async () => {
    const token = fake.tokenFor(repo);
    fake.failNext({
      method: 'GET',
      path: '/repos/{owner}/{repo}',
      status: 429,
      headers: { 'retry-after': '7' },
    });
    const limited = await api('/repos/acme/widgets', { token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(String(limited.body.message)).toMatch(/secondary rate limit/);
    expect((await api('/repos/acme/widgets', { token })).status).toBe(200);
  });

  it('signs deliveries as GitHub does, from real example payloads', async () => {
    const issue = fake.addIssue(repo, {
      title: 'Broken',
      body: 'please fix',
      user: 'alice',
      labels: ['nightshift'],
    });
    const payload = await payloadFor(fake, repo, 'issues', 'labeled', { issue: { number: issue.number } });
    expect(payload).toMatchObject({
      action: 'labeled',
      repository: { full_name: 'acme/widgets', clone_url: repo.cloneUrl, default_branch: 'main' },
      installation: { id: repo.installationId },
      issue: { number: issue.number, title: 'Broken', user: { login: 'alice' } },
    });
    const delivery = signedDelivery('issues', payload, 'sekrit');
    expect(delivery.headers['x-github-event']).toBe('issues');
    const webhooks = new Webhooks({ secret: 'sekrit' });
    expect(await webhooks.verify(delivery.body, delivery.headers['x-hub-signature-256'] ?? '')).toBe(true);
    expect(await webhooks.verify(`${delivery.body} `, delivery.headers['x-hub-signature-256'] ?? '')).toBe(
      false,
    );
  });
});

describe('fake GitHub state routes', () => {
  let gadgets: RepoRecord;
  let octokit: InstanceType<typeof ProbotOctokit>;
  const o = { owner: 'acme', repo: 'gadgets' };

  beforeAll(async () => {
    gadgets = await fake.addRepo({
      owner: 'acme',
      name: 'gadgets',
      files: { 'lib.js': 'module.exports = 1;\n' },
    });
    octokit = new ProbotOctokit({
      baseUrl: fake.url,
      auth: { appId: fake.appId, privateKey: fake.privateKey, installationId: gadgets.installationId },
      throttle: { enabled: false },
      retry: { enabled: false },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  });

  it('answers collaborator permissions, refs, branches and commits', async () => {
    fake.setPermission(gadgets, 'alice', 'maintain');
    const { data: alice } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      ...o,
      username: 'alice',
    });
    expect(alice).toMatchObject({ permission: 'write', role_name: 'maintain', user: { login: 'alice' } });
    const { data: bob } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...o, username: 'bob' });
    expect(bob.permission).toBe('read');

    const main = await fake.branchSha(gadgets, 'main');
    const { data: ref } = await octokit.rest.git.getRef({ ...o, ref: 'heads/main' });
    expect(ref.object.sha).toBe(main);
    const { data: branch } = await octokit.rest.repos.getBranch({ ...o, branch: 'main' });
    expect(branch.commit.sha).toBe(main);
    const { data: commit } = await octokit.rest.repos.getCommit({ ...o, ref: 'main' });
    expect(commit.commit).toMatchObject({
      message: 'Initial commit',
      author: { name: 'Test', email: 'test@example.com' },
    });
    const { data: r } = await octokit.rest.repos.get(o);
    expect(r).toMatchObject({
      full_name: 'acme/gadgets',
      default_branch: 'main',
      clone_url: gadgets.cloneUrl,
      fork: false,
    });
  });

  it('keeps issues, comments, labels, assignees and reactions', async () => {
    const issue = fake.addIssue(gadgets, { title: 'Crash', body: 'boom', user: 'alice' });
    const c = fake.addComment(gadgets, issue.number, { body: '/agent fix', user: 'alice' });
    const n = { ...o, issue_number: issue.number };

    const { data: created } = await octokit.rest.issues.createComment({ ...n, body: 'On it' });
    expect(created.user).toMatchObject({ login: 'nightshift[bot]', type: 'Bot' });
    await octokit.rest.issues.updateComment({ ...o, comment_id: created.id, body: 'Done' });
    const { data: comments } = await octokit.rest.issues.listComments(n);
    expect(comments.map((x) => x.body)).toEqual(['/agent fix', 'Done']);
    await octokit.rest.issues.deleteComment({ ...o, comment_id: created.id });
    expect(fake.comments(gadgets, issue.number)).toHaveLength(1);

    await octokit.rest.issues.addLabels({ ...n, labels: ['nightshift', 'bug'] });
    await octokit.rest.issues.removeLabel({ ...n, name: 'bug' });
    expect(fake.labels(gadgets, issue.number)).toEqual(['nightshift']);
    await octokit.rest.issues.addAssignees({ ...n, assignees: ['alice'] });
    await octokit.rest.issues.update({ ...n, state: 'closed', title: 'Crash (fixed)' });
    const { data: got } = await octokit.rest.issues.get(n);
    expect(got).toMatchObject({ state: 'closed', title: 'Crash (fixed)', assignees: [{ login: 'alice' }] });

    const first = await octokit.rest.reactions.createForIssueComment({
      ...o,
      comment_id: c.id,
      content: 'eyes',
    });
    const second = await octokit.rest.reactions.createForIssueComment({
      ...o,
      comment_id: c.id,
      content: 'eyes',
    });
    expect([first.status, second.status]).toEqual([201, 200]);
    await octokit.rest.reactions.createForIssue({ ...n, content: 'rocket' });
    expect(fake.reactions({ repo: gadgets }).map((x) => x.content)).toEqual(['eyes', 'rocket']);
    const { data: listed } = await octokit.rest.reactions.listForIssueComment({ ...o, comment_id: c.id });
    expect(listed).toHaveLength(1);
  });

  it('keeps pull requests, reviews, review comments and replies', async () => {
    const head = await fake.commitFiles(gadgets, 'feature', { 'lib.js': 'module.exports = 2;\n' }, 'Two');
    const pr = await fake.addPullRequest(gadgets, { head: 'feature', title: 'Two', user: 'alice' });
    await expect(
      octokit.rest.pulls.create({ ...o, head: 'main', base: 'main', title: 'x' }),
    ).rejects.toMatchObject({
      status: 422,
    });
    await expect(
      octokit.rest.pulls.create({ ...o, head: 'missing', base: 'main', title: 'x' }),
    ).rejects.toMatchObject({
      status: 422,
    });
    const p = { ...o, pull_number: pr.number };
    fake.updatePullRequest(gadgets, pr.number, { mergeable: false, mergeableState: 'dirty' });
    const { data: got } = await octokit.rest.pulls.get(p);
    expect(got).toMatchObject({
      head: { ref: 'feature', sha: head },
      mergeable: false,
      mergeable_state: 'dirty',
    });
    const { data: files } = await octokit.rest.pulls.listFiles(p);
    expect(files).toEqual([
      expect.objectContaining({ filename: 'lib.js', status: 'modified', additions: 1, deletions: 1 }),
    ]);
    const diff = await octokit.rest.pulls.get({ ...p, mediaType: { format: 'diff' } });
    expect(String(diff.data)).toContain('+module.exports = 2;');
    const { data: listed } = await octokit.rest.pulls.list({ ...o, head: 'acme:feature' });
    expect(listed.map((x) => x.number)).toEqual([pr.number]);

    await expect(octokit.rest.pulls.requestReviewers({ ...p, reviewers: ['alice'] })).rejects.toMatchObject({
      status: 422,
    });
    await octokit.rest.pulls.requestReviewers({ ...p, reviewers: ['carol'] });
    fake.addReview(gadgets, pr.number, { user: 'carol', state: 'CHANGES_REQUESTED', body: 'Use 3' });
    const { data: reviews } = await octokit.rest.pulls.listReviews(p);
    expect(reviews[0]).toMatchObject({ state: 'CHANGES_REQUESTED', user: { login: 'carol' } });

    const rc = await fake.addReviewComment(gadgets, pr.number, {
      path: 'lib.js',
      line: 1,
      body: 'why 2?',
      user: 'carol',
    });
    const { data: rcs } = await octokit.rest.pulls.listReviewComments(p);
    expect(rcs[0]).toMatchObject({ path: 'lib.js', line: 1, body: 'why 2?', diff_hunk: expect.any(String) });
    const { data: answer } = await octokit.rest.pulls.createReplyForReviewComment({
      ...p,
      comment_id: rc.id,
      body: 'Fixed',
    });
    expect(answer.in_reply_to_id).toBe(rc.id);
    expect(fake.reviewReplies(gadgets, pr.number)).toEqual([expect.objectContaining({ body: 'Fixed' })]);
    const { data: single } = await octokit.rest.pulls.getReviewComment({ ...o, comment_id: rc.id });
    expect(single.id).toBe(rc.id);
    await octokit.rest.reactions.createForPullRequestReviewComment({
      ...o,
      comment_id: rc.id,
      content: '+1',
    });
    expect(fake.reactions({ subject: 'review_comment', subjectId: rc.id })).toHaveLength(1);
  });

  it('supports pull requests from forks, fetchable as pull/N/head', async () => {
    const fork = await fake.addFork(gadgets, { owner: 'mallory' });
    const sha = await fake.commitFiles(fork, 'patch', { 'lib.js': 'module.exports = 3;\n' }, 'Three');
    const pr = await fake.addPullRequest(gadgets, { head: 'patch', fork, user: 'mallory' });
    const { data } = await octokit.rest.pulls.get({ ...o, pull_number: pr.number });
    expect(data.head).toMatchObject({
      sha,
      ref: 'patch',
      repo: { full_name: 'mallory/gadgets', fork: true },
    });

    const dir = join(work, 'gadgets');
    const auth = ['-c', `http.extraHeader=${fake.gitAuthHeader(fake.tokenFor(gadgets))}`];
    await git(work, ...auth, 'clone', '--quiet', gadgets.cloneUrl, dir);
    await git(dir, ...auth, 'fetch', '--quiet', 'origin', `pull/${pr.number}/head:pr`);
    expect(await git(dir, 'rev-parse', 'pr')).toBe(sha);
    // the app's token cannot push to the fork
    await git(dir, 'checkout', '--quiet', 'pr');
    await expect(git(dir, ...auth, 'push', '--quiet', fork.cloneUrl, 'pr:patch')).rejects.toThrow();
  });

  it('keeps check runs of other apps with annotations, suites, and job logs', async () => {
    const sha = (await fake.branchSha(gadgets, 'main')) ?? '';
    await fake.addCheckRun(gadgets, {
      name: 'test',
      headSha: sha,
      conclusion: 'failure',
      output: { title: '1 failure', summary: 'lib.test.js failed' },
      annotations: [
        { path: 'lib.js', start_line: 1, end_line: 1, annotation_level: 'failure', message: 'expected 3' },
      ],
      detailsUrl: 'https://github.com/acme/gadgets/actions/runs/5/job/77',
    });
    await octokit.rest.checks.create({ ...o, name: 'nightshift', head_sha: sha });
    const { data: runs } = await octokit.rest.checks.listForRef({ ...o, ref: sha, check_name: 'test' });
    expect(runs.check_runs).toEqual([
      expect.objectContaining({ app: expect.objectContaining({ id: 15368 }) }),
    ]);
    const runId = runs.check_runs[0]?.id ?? 0;
    const { data: annotations } = await octokit.rest.checks.listAnnotations({ ...o, check_run_id: runId });
    expect(annotations).toEqual([
      expect.objectContaining({ message: 'expected 3', annotation_level: 'failure' }),
    ]);
    await expect(
      octokit.rest.checks.update({ ...o, check_run_id: runId, conclusion: 'success' }),
    ).rejects.toMatchObject({
      status: 403,
    });
    const { data: suites } = await octokit.rest.checks.listSuitesForRef({ ...o, ref: 'main' });
    expect(suites.check_suites.map((x) => x.app?.id ?? 0).sort((a, b) => a - b)).toEqual([4242, 15368]);

    fake.setJobLog(gadgets, 77, '##[error]expected 3 but got 2\n');
    const log = await octokit.rest.actions.downloadJobLogsForWorkflowRun({ ...o, job_id: 77 });
    expect(String(log.data)).toContain('expected 3 but got 2');
  });
});
