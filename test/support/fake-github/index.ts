// Fake GitHub for tests: a node:http server on 127.0.0.1 that answers GitHub's REST API as
// described by GitHub's own OpenAPI description (@octokit/openapi) — unknown routes 404, bodies
// the real API would refuse 422, described-but-unimplemented routes 501 naming the operationId —
// with real GitHub App auth (RS256 app JWT, `ghs_` installation tokens), real git over smart HTTP
// (bare repos served by `git http-backend`, pushes recorded), in-memory state for what the app
// touches, and a seeding/inspection API. See DESIGN.md, "Local stand-ins for tests".
//
//   const fake = await startFakeGitHub();
//   const repo = await fake.addRepo({ owner: 'acme', name: 'widgets', files: { 'a.txt': 'a' } });
//   // app under test: GITHUB_API_URL=fake.url, APP_ID=fake.appId, PRIVATE_KEY=fake.privateKey
//   await fake.close();
import { startFake, type FakeGitHub, type StartOptions } from './fake.js';

export {
  FakeGitHub,
  DEFAULT_INSTALLATION_PERMISSIONS,
  type AddRepoOptions,
  type StartOptions,
} from './fake.js';
export type * from './types.js';
export type { CommitInfo } from './git.js';
export type { PullRequestInput } from './routes/pulls.js';
export { deepMerge, examplePayload, payloadFor, signedDelivery, type SignedDelivery } from './webhooks.js';

export function startFakeGitHub(options: StartOptions = {}): Promise<FakeGitHub> {
  return startFake(options);
}
