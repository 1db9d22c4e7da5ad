// App-level routes (app JWT): the app, its installations, installation access tokens.
import { json, notFound, paginate, validationFailed } from '../http.js';
import { appJson, installation, repository } from '../serialize.js';
import type { AccessLevel, Permissions } from '../types.js';
import type { Handlers, RouteContext } from './types.js';
import { bodyOf, intParam } from './util.js';

function installationOf(ctx: RouteContext) {
  const inst = ctx.fake.state.installations.get(intParam(ctx, 'installation_id'));
  if (!inst) throw notFound(ctx.op.documentationUrl);
  return inst;
}

export const appRoutes: Handlers = {
  'apps/get-authenticated': ({ fake }) => json(200, appJson(fake)),

  // The manifest flow's last step: no authentication, the code alone (once).
  'apps/create-from-manifest': ({ fake, params, op }) => {
    const code = fake.manifestCodes.get(params.code ?? '');
    if (!code) throw notFound(op.documentationUrl);
    fake.manifestCodes.delete(params.code ?? '');
    return json(201, {
      ...appJson(fake),
      pem: fake.privateKey,
      webhook_secret: code.webhookSecret,
      client_id: `Iv1.${fake.appId}`,
      client_secret: 'fake-client-secret',
    });
  },

  'apps/list-installations': (ctx) => {
    const all = [...ctx.fake.state.installations.values()].map((i) => installation(ctx.fake, i));
    const page = paginate(all, ctx.query, ctx.selfUrl);
    return json(200, page.items, page.headers);
  },

  'apps/get-installation': (ctx) => json(200, installation(ctx.fake, installationOf(ctx))),

  'apps/get-repo-installation': (ctx) => {
    const id = ctx.repo?.installationId;
    const inst = id === undefined ? undefined : ctx.fake.state.installations.get(id);
    if (!inst) throw notFound(ctx.op.documentationUrl);
    return json(200, installation(ctx.fake, inst));
  },

  'apps/get-org-installation': (ctx) => accountInstallation(ctx, ctx.params.org),
  'apps/get-user-installation': (ctx) => accountInstallation(ctx, ctx.params.username),

  'apps/create-installation-access-token': (ctx) => {
    const { fake } = ctx;
    const inst = installationOf(ctx);
    const body = bodyOf(ctx);
    const repos = [...fake.state.repos.values()].filter((r) => r.installationId === inst.id);
    let repositoryIds: number[] | undefined;
    const names = Array.isArray(body.repositories) ? body.repositories.map(String) : undefined;
    const ids = Array.isArray(body.repository_ids) ? body.repository_ids.map(Number) : undefined;
    if (names || ids) {
      repositoryIds = [];
      for (const name of names ?? []) {
        const repo = repos.find((r) => r.name.toLowerCase() === name.toLowerCase());
        if (!repo) throw notAccessible(ctx);
        repositoryIds.push(repo.id);
      }
      for (const id of ids ?? []) {
        if (!repos.some((r) => r.id === id)) throw notAccessible(ctx);
        repositoryIds.push(id);
      }
    }
    let permissions: Permissions = { ...inst.permissions };
    if (body.permissions && typeof body.permissions === 'object') {
      permissions = { metadata: 'read' };
      const rank = { read: 1, write: 2, admin: 3 };
      for (const [name, level] of Object.entries(body.permissions as Record<string, AccessLevel>)) {
        const granted = inst.permissions[name];
        if (!granted || rank[granted] < rank[level]) {
          throw validationFailed(
            ctx.op.documentationUrl,
            [],
            'The permissions requested are not granted to this installation.',
          );
        }
        permissions[name] = level;
      }
    }
    const token = fake.createInstallationToken(inst.id, { repositoryIds, permissions });
    const answer: Record<string, unknown> = {
      token: token.token,
      expires_at: new Date(token.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      permissions: token.permissions,
      repository_selection: repositoryIds ? 'selected' : 'all',
    };
    if (repositoryIds) {
      answer.repositories = repositoryIds.map((id) =>
        repository(
          fake,
          repos.find((r) => r.id === id)!,
        ),
      );
    }
    return json(201, answer);
  },

  'apps/list-repos-accessible-to-installation': (ctx) => {
    const { fake, credentials } = ctx;
    if (credentials.kind !== 'token') throw notFound(ctx.op.documentationUrl);
    const token = credentials.token;
    const repos = [...fake.state.repos.values()].filter(
      (r) =>
        r.installationId === token.installationId &&
        (token.repositoryIds === undefined || token.repositoryIds.includes(r.id)),
    );
    const page = paginate(repos, ctx.query, ctx.selfUrl);
    return json(
      200,
      {
        total_count: repos.length,
        repository_selection: token.repositoryIds ? 'selected' : 'all',
        repositories: page.items.map((r) => repository(fake, r)),
      },
      page.headers,
    );
  },
};

function accountInstallation(ctx: RouteContext, login: string | undefined) {
  const inst = [...ctx.fake.state.installations.values()].find(
    (i) => i.account.login.toLowerCase() === (login ?? '').toLowerCase(),
  );
  if (!inst) throw notFound(ctx.op.documentationUrl);
  return json(200, installation(ctx.fake, inst));
}

function notAccessible(ctx: RouteContext) {
  return validationFailed(
    ctx.op.documentationUrl,
    [],
    'There is at least one repository that does not exist or is not accessible to the parent installation.',
  );
}
