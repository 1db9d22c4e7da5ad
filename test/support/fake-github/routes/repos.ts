// Repository metadata, collaborator permission, contents, branches, commits and git refs.
import * as g from '../git.js';
import { HttpError, json, notFound, paginate, validationFailed } from '../http.js';
import { collaboratorPermission, commit, repository } from '../serialize.js';
import type { RepoRecord } from '../types.js';
import type { Handlers, RouteContext } from './types.js';
import { bodyOf, repoOf, str } from './util.js';

const RAW = /application\/vnd\.github(\.v3)?\.raw/;

async function commitFor(ctx: RouteContext, repo: RepoRecord, ref: string): Promise<string> {
  const sha = await g.resolveCommit(repo.gitDir, ref);
  if (!sha) {
    throw new HttpError(404, {
      message: `No commit found for the ref ${ref}`,
      documentation_url: ctx.op.documentationUrl,
      status: '404',
    });
  }
  return sha;
}

function contentEntry(ctx: RouteContext, repo: RepoRecord, ref: string, e: g.TreeEntry) {
  const type =
    e.type === 'tree' ? 'dir' : e.type === 'commit' ? 'submodule' : e.mode === '120000' ? 'symlink' : 'file';
  const url = `${ctx.fake.url}/repos/${repo.fullName}/contents/${e.path}?ref=${encodeURIComponent(ref)}`;
  const git = `${ctx.fake.url}/repos/${repo.fullName}/git/${e.type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`;
  const html = `${repo.htmlUrl}/${e.type === 'tree' ? 'tree' : 'blob'}/${ref}/${e.path}`;
  return {
    type,
    size: e.size,
    name: e.path.split('/').pop() ?? e.path,
    path: e.path,
    sha: e.sha,
    url,
    git_url: git,
    html_url: html,
    download_url: type === 'file' ? `${ctx.fake.url}/raw/${repo.fullName}/${ref}/${e.path}` : null,
    _links: { self: url, git, html },
  };
}

export const repoRoutes: Handlers = {
  'repos/get': (ctx) => json(200, repository(ctx.fake, repoOf(ctx))),

  'repos/get-collaborator-permission-level': (ctx) =>
    json(200, collaboratorPermission(ctx.fake, repoOf(ctx), ctx.params.username ?? '')),

  'repos/get-content': async (ctx) => {
    const repo = repoOf(ctx);
    const ref = ctx.query.get('ref') || repo.defaultBranch;
    const sha = await commitFor(ctx, repo, ref);
    const path = (ctx.params.path ?? '').replace(/^\/+|\/+$/g, '');
    const [entry] = await g.lsTree(repo.gitDir, sha, path);
    if (!entry || entry.path !== path) throw notFound(ctx.op.documentationUrl);
    if (entry.type === 'tree') {
      const list = await g.lsTree(repo.gitDir, sha, path, true);
      return json(
        200,
        list.map((e) => contentEntry(ctx, repo, ref, e)),
      );
    }
    const content = await g.readBlob(repo.gitDir, entry.sha);
    if (RAW.test(String(ctx.headers.accept ?? ''))) {
      return { status: 200, raw: content, headers: { 'content-type': 'text/plain; charset=utf-8' } };
    }
    const b64 = content.toString('base64').replace(/(.{60})/g, '$1\n');
    return json(200, { ...contentEntry(ctx, repo, ref, entry), encoding: 'base64', content: b64 });
  },

  'repos/get-branch': async (ctx) => {
    const repo = repoOf(ctx);
    const branch = ctx.params.branch ?? '';
    const sha = await g.branchSha(repo.gitDir, branch);
    if (!sha) {
      throw new HttpError(404, {
        message: 'Branch not found',
        documentation_url: ctx.op.documentationUrl,
        status: '404',
      });
    }
    const info = await g.commitInfo(repo.gitDir, sha);
    return json(200, {
      name: branch,
      commit: info ? commit(ctx.fake, repo, info) : { sha },
      _links: {
        self: `${ctx.fake.url}/repos/${repo.fullName}/branches/${branch}`,
        html: `${repo.htmlUrl}/tree/${branch}`,
      },
      protected: false,
      protection: {
        enabled: false,
        required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] },
      },
      protection_url: `${ctx.fake.url}/repos/${repo.fullName}/branches/${branch}/protection`,
    });
  },

  'repos/list-branches': async (ctx) => {
    const repo = repoOf(ctx);
    const all = [...(await g.refs(repo.gitDir))]
      .filter(([name]) => name.startsWith('refs/heads/'))
      .map(([name, sha]) => ({
        name: name.slice('refs/heads/'.length),
        commit: { sha, url: `${ctx.fake.url}/repos/${repo.fullName}/commits/${sha}` },
        protected: false,
      }));
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(200, page.items, page.headers);
  },

  'repos/get-commit': async (ctx) => {
    const repo = repoOf(ctx);
    const ref = ctx.params.ref ?? '';
    const sha = await g.resolveCommit(repo.gitDir, ref);
    const info = sha ? await g.commitInfo(repo.gitDir, sha) : undefined;
    if (!info) {
      throw validationFailed(ctx.op.documentationUrl, [], `No commit found for SHA: ${ref}`);
    }
    return json(200, {
      ...commit(ctx.fake, repo, info),
      stats: { total: 0, additions: 0, deletions: 0 },
      files: [],
    });
  },

  'repos/list-commits': async (ctx) => {
    const repo = repoOf(ctx);
    const ref = ctx.query.get('sha') || repo.defaultBranch;
    const all = await g.log(repo.gitDir, ref);
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(
      200,
      page.items.map((c) => commit(ctx.fake, repo, c)),
      page.headers,
    );
  },

  'git/get-ref': async (ctx) => {
    const repo = repoOf(ctx);
    const name = `refs/${ctx.params.ref ?? ''}`;
    const sha = (await g.refs(repo.gitDir)).get(name);
    if (!sha) throw notFound(ctx.op.documentationUrl);
    return json(200, refJson(ctx, repo, name, sha));
  },

  'git/list-matching-refs': async (ctx) => {
    const repo = repoOf(ctx);
    const prefix = `refs/${ctx.params.ref ?? ''}`;
    const all = [...(await g.refs(repo.gitDir))].filter(([name]) => name.startsWith(prefix));
    return json(
      200,
      all.map(([name, sha]) => refJson(ctx, repo, name, sha)),
    );
  },

  'git/create-ref': async (ctx) => {
    const repo = repoOf(ctx);
    const body = bodyOf(ctx);
    const name = str(body.ref) ?? '';
    const sha = str(body.sha) ?? '';
    if (!/^refs\/.+/.test(name) || name.split('/').length < 3) {
      throw validationFailed(
        ctx.op.documentationUrl,
        [],
        "Reference name must start with 'refs/' and have at least two slashes.",
      );
    }
    return ctx.fake.withRepoLock(repo, async () => {
      if ((await g.refs(repo.gitDir)).has(name)) {
        throw validationFailed(ctx.op.documentationUrl, [], 'Reference already exists');
      }
      if (!(await g.resolveCommit(repo.gitDir, sha)) || !/^[0-9a-f]{40}$/.test(sha)) {
        throw validationFailed(ctx.op.documentationUrl, [], 'Object does not exist');
      }
      await g.updateRef(repo.gitDir, name, sha);
      ctx.fake.recordPush(repo, name, g.ZERO_SHA, sha, false, 'api');
      return json(201, refJson(ctx, repo, name, sha));
    });
  },

  'git/update-ref': async (ctx) => {
    const repo = repoOf(ctx);
    const body = bodyOf(ctx);
    const name = `refs/${ctx.params.ref ?? ''}`;
    const sha = str(body.sha) ?? '';
    return ctx.fake.withRepoLock(repo, async () => {
      const old = (await g.refs(repo.gitDir)).get(name);
      if (!old) throw validationFailed(ctx.op.documentationUrl, [], 'Reference does not exist');
      if (!(await g.resolveCommit(repo.gitDir, sha))) {
        throw validationFailed(ctx.op.documentationUrl, [], 'Object does not exist');
      }
      const ff = await g.isAncestor(repo.gitDir, old, sha);
      if (!ff && body.force !== true)
        throw validationFailed(ctx.op.documentationUrl, [], 'Update is not a fast forward');
      await g.updateRef(repo.gitDir, name, sha);
      ctx.fake.recordPush(repo, name, old, sha, !ff, 'api');
      return json(200, refJson(ctx, repo, name, sha));
    });
  },

  'git/delete-ref': async (ctx) => {
    const repo = repoOf(ctx);
    const name = `refs/${ctx.params.ref ?? ''}`;
    return ctx.fake.withRepoLock(repo, async () => {
      const old = (await g.refs(repo.gitDir)).get(name);
      if (!old) throw validationFailed(ctx.op.documentationUrl, [], 'Reference does not exist');
      await g.updateRef(repo.gitDir, name, null);
      ctx.fake.recordPush(repo, name, old, g.ZERO_SHA, false, 'api');
      return { status: 204 };
    });
  },
};

function refJson(ctx: RouteContext, repo: RepoRecord, name: string, sha: string) {
  return {
    ref: name,
    node_id: Buffer.from(`04:Ref${repo.id}:${name}`).toString('base64'),
    url: `${ctx.fake.url}/repos/${repo.fullName}/git/${name}`,
    object: { sha, type: 'commit', url: `${ctx.fake.url}/repos/${repo.fullName}/git/commits/${sha}` },
  };
}
