/**
 * The token function's Lambda entry (functions/token/handler.ts), as the agent container invokes
 * it, against the store on dynalite and the fake GitHub: a token only for a dispatched or running
 * task whose nonce matches, only for that task's repository, with the agent's permissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN_PERMISSIONS, newTokenNonce, type TokenAnswer } from '../../../core/task-token.js';
import type { Task } from '../../../core/task.js';
import { startTestStore, type TestStore } from '../../support/dynamo.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github/index.js';

describe('the token function', () => {
  let github: FakeGitHub;
  let db: TestStore;
  let handler: (event: unknown) => Promise<TokenAnswer>;

  beforeAll(async () => {
    [github, db] = await Promise.all([startFakeGitHub(), startTestStore()]);
    await github.addRepo({ owner: 'acme', name: 'calc' });
    await github.addRepo({ owner: 'acme', name: 'secrets' }); // the same installation
    // The function's environment, as the stack sets it (the key already resolved from its ARN).
    Object.assign(process.env, {
      APP_ID: String(github.appId),
      PRIVATE_KEY: github.privateKey,
      GITHUB_API_URL: github.url,
      ...db.env,
      LOG_LEVEL: 'fatal',
    });
    ({ handler } = (await import('../../../functions/token/handler.js')) as unknown as {
      handler: typeof handler;
    });
  });
  afterAll(async () => {
    await Promise.all([github.close(), db.close()]);
  });

  /** A task of `repository`, moved to `status` as dispatch and the agent would, with its nonce. */
  async function taskIn(
    repository: string,
    status: 'queued' | 'dispatched' | 'running' | 'succeeded',
  ): Promise<{ task: Task; nonce: string }> {
    const installationId = github.repo(repository)!.installationId!;
    let task = await db.store.create({
      repository,
      installationId,
      target: { kind: 'issue', number: 1 },
      trigger: { kind: 'issue_label', text: '', sender: 'alice' },
      engineer: 'alice',
    });
    const { nonce, hash } = newTokenNonce();
    if (status === 'queued') return { task, nonce };
    task = await db.store.transition(task, 'dispatched', { tokenNonceHash: hash });
    if (status !== 'dispatched') task = await db.store.transition(task, 'running');
    if (status === 'succeeded') task = await db.store.transition(task, 'succeeded');
    return { task, nonce };
  }

  const refused = (code: string) => expect.objectContaining({ ok: false, code });

  it('refuses an unknown task, a missing or wrong nonce, and another task’s nonce', async () => {
    const { task, nonce } = await taskIn('acme/calc', 'running');
    const other = await taskIn('acme/secrets', 'running');
    const before = github.tokens().length;
    expect(await handler({ taskId: 'no-such-task', nonce })).toEqual(refused('unknown_task'));
    expect(await handler({ taskId: task.id })).toEqual(refused('bad_nonce'));
    expect(await handler({ taskId: task.id, nonce: `${nonce}x` })).toEqual(refused('bad_nonce'));
    expect(await handler({ taskId: other.task.id, nonce })).toEqual(refused('bad_nonce'));
    expect(await handler({ taskId: task.id, nonce: other.nonce })).toEqual(refused('bad_nonce'));
    expect(await handler(null)).toEqual(refused('unknown_task'));
    expect(github.tokens().length).toBe(before);
  });

  it('refuses a task that is not dispatched or running, even with its nonce', async () => {
    const queued = await taskIn('acme/calc', 'queued');
    const ended = await taskIn('acme/calc', 'succeeded');
    const before = github.tokens().length;
    expect(await handler({ taskId: queued.task.id, nonce: queued.nonce })).toEqual(refused('bad_nonce'));
    expect(await handler({ taskId: ended.task.id, nonce: ended.nonce })).toEqual(refused('not_running'));
    expect(github.tokens().length).toBe(before);
  });

  it('mints for the task’s repository only, with the agent’s permissions, and says the app slug', async () => {
    for (const status of ['dispatched', 'running'] as const) {
      const { task, nonce } = await taskIn('acme/calc', status);
      // Whatever else the caller sends, the repository is the task's.
      const answer = await handler({
        taskId: task.id,
        nonce,
        repository: 'acme/secrets',
        repositoryNames: ['secrets'],
      });
      if (!answer.ok) throw new Error(answer.message);
      expect(answer.appSlug).toBe(github.appSlug);
      expect(Date.parse(answer.expiresAt)).toBeGreaterThan(Date.now());
      const record = github.tokens().find((t) => t.token === answer.token)!;
      expect(record.repositoryIds).toEqual([github.repo('acme/calc')!.id]);
      expect(record.permissions).toEqual({ ...AGENT_TOKEN_PERMISSIONS });

      const get = (path: string) =>
        fetch(`${github.url}${path}`, { headers: { authorization: `token ${answer.token}` } });
      expect((await get('/repos/acme/calc')).status).toBe(200);
      expect((await get('/repos/acme/secrets')).status).toBe(404);
    }
  });

  it('says the installation is gone when GitHub will not mint', async () => {
    await github.addRepo({ owner: 'umbrella', name: 'calc' });
    const { task, nonce } = await taskIn('umbrella/calc', 'running');
    github.state.installations.delete(github.repo('umbrella/calc')!.installationId!);
    const answer = await handler({ taskId: task.id, nonce });
    expect(answer).toEqual(refused('installation_gone'));
    expect(answer.ok ? '' : answer.message).toMatch(/uninstalled or lost access to calc/);
  });
});
