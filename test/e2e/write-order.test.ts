/**
 * The order of GitHub writes around the model, through `npm start`'s server with GitHub's write
 * pacing on (a second between writes, as by default): the agent's first model request waits for
 * no write, the pull request's text is final before the check run concludes, a check run never
 * goes backwards, and what can follow the conclusion (review requests, replies) does. Order and
 * counts of writes are asserted, never wall time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_KEY, CALC_FILES, REPO, WEBHOOK_SECRET } from '../support/harness.js';
import {
  payloadFor,
  startFakeGitHub,
  type CallRecord,
  type FakeGitHub,
} from '../support/fake-github/index.js';
import { startLocalServer, type LocalServer } from '../support/local-server.js';
import { done, editor, startScriptedModel, type ScriptedModel } from '../support/scripted-model/index.js';

const WRITE_INTERVAL_MS = 1000;
const STATUS_RANK: Record<string, number> = { queued: 0, in_progress: 1, completed: 2 };

const isWrite = (c: CallRecord) =>
  c.method !== 'GET' &&
  !c.operationId?.startsWith('git:') &&
  c.operationId !== 'apps/create-installation-access-token';
const body = (c: CallRecord) => (c.body ?? {}) as Record<string, unknown>;
const isConclusion = (c: CallRecord) =>
  c.operationId?.startsWith('checks/') === true &&
  body(c).status === 'completed' &&
  body(c).conclusion !== 'neutral';
/** Progress shows in the background: it may land anywhere, and is checked for order separately. */
const isProgress = (c: CallRecord) =>
  c.operationId === 'issues/update-comment' ||
  (c.operationId === 'checks/update' && body(c).status === 'in_progress');

describe('GitHub writes around the model, pacing on', () => {
  let github: FakeGitHub;
  let model: ScriptedModel;
  let server: LocalServer;

  beforeAll(async () => {
    github = await startFakeGitHub();
    model = await startScriptedModel();
    await github.addRepo({ owner: 'acme', name: 'calc', files: CALC_FILES });
    github.setPermission(REPO, 'alice', 'write');
    server = await startLocalServer({
      github,
      model,
      secret: WEBHOOK_SECRET,
      anthropicKey: ANTHROPIC_KEY,
      env: { NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS: String(WRITE_INTERVAL_MS) },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([github?.close(), model?.close()]);
  });

  async function until<T>(find: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}:\n${server.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Every call from `from` on, once the task concluded and GitHub has been quiet for a while. */
  async function settledCalls(from: number): Promise<CallRecord[]> {
    await until(() => github.calls.slice(from).find(isConclusion), 'the conclusion');
    for (let seen = -1; seen !== github.calls.length;) {
      seen = github.calls.length;
      await new Promise((r) => setTimeout(r, 4 * WRITE_INTERVAL_MS));
    }
    return github.calls.slice(from);
  }

  /** Per check run (by its head): statuses never go back, and nothing is written after completion. */
  function expectCheckRunsMoveForward(calls: CallRecord[]) {
    const headOf = new Map(github.checkRuns(REPO).map((r) => [r.id, r.headSha]));
    const byHead = new Map<string, string[]>();
    for (const c of calls.filter((x) => x.operationId?.startsWith('checks/') && isWrite(x))) {
      const head =
        c.operationId === 'checks/create'
          ? String(body(c).head_sha)
          : headOf.get(Number(c.path.split('/').pop()));
      byHead.set(String(head), [...(byHead.get(String(head)) ?? []), String(body(c).status)]);
    }
    for (const [head, statuses] of byHead) {
      const ranks = statuses.map((s) => STATUS_RANK[s] ?? -1);
      expect(ranks, `check run on ${head}: ${statuses.join(' → ')}`).toEqual(
        [...ranks].sort((a, b) => a - b),
      );
      expect(
        statuses.filter((s) => s === 'completed'),
        head,
      ).toHaveLength(1);
      expect(statuses.at(-1), head).toBe('completed');
    }
  }

  async function labelIssue(title: string): Promise<number> {
    const issue = github.addIssue(REPO, { title, body: 'add(2, 3) should be 5', user: 'bob' });
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    expect((await server.deliver('issues', payload)).status).toBeLessThan(300);
    return issue.number;
  }

  const FIX = editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' });

  it('an issue task whose agent works a while: nothing held the first request; the draft opened beside it; the text final before the conclusion', async () => {
    const from = github.calls.length;
    let atFirstRequest: CallRecord[] = [];
    model.push(async () => {
      atFirstRequest = github.calls.slice(from);
      // The agent works on while its draft pull request is opened beside it.
      await until(
        () => github.callsTo('checks/create').find((c) => github.calls.indexOf(c) >= from),
        'the early check run',
      );
      return FIX;
    }, done('Fixed add().'));
    await labelIssue('add() subtracts');
    const calls = await settledCalls(from);

    // Before the first request: dispatch's tracking comment, and progress at most. No pull
    // request, assignee or check run: those came while the model worked.
    const before = atFirstRequest.filter((c) => isWrite(c) && !isProgress(c)).map((c) => c.operationId);
    expect(before).toEqual(['issues/create-comment']);
    const ops = calls.filter(isWrite).map((c) => c.operationId);
    expect(ops.filter((o) => o === 'pulls/create')).toHaveLength(1);

    // The pull request's text is final before the check run concludes; the review request after.
    const conclusion = calls.findIndex(isConclusion);
    const lastText = calls.findLastIndex((c) => c.operationId === 'pulls/update');
    expect(lastText).toBeGreaterThan(-1);
    expect(lastText).toBeLessThan(conclusion);
    expect(calls.findIndex((c) => c.operationId === 'pulls/request-reviewers')).toBeGreaterThan(conclusion);
    // The result's check run on the new head is created concluded; the early one continues there after.
    expect(body(calls[conclusion]!)).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(calls[conclusion]?.operationId).toBe('checks/create');
    const continued = calls.findIndex((c) => body(c).conclusion === 'neutral');
    expect(continued).toBeGreaterThan(conclusion);
    expectCheckRunsMoveForward(calls);
    const pr = github.pullRequests(REPO).at(-1);
    expect(github.issue(REPO, pr?.number ?? 0)?.body).toContain('Fixed add().');
  });

  it('an issue task that ends at once: the pull request opened once with its result, then the concluded check run, two writes', async () => {
    const from = github.calls.length;
    const prsBefore = github.pullRequests(REPO).length;
    let atFirstRequest: CallRecord[] = [];
    let lastAnswered = 0;
    model.push(
      () => {
        atFirstRequest = github.calls.slice(from);
        return FIX;
      },
      () => {
        lastAnswered = github.calls.length;
        return done('Fixed add() at once.');
      },
    );
    await labelIssue('add() subtracts again');
    const calls = await settledCalls(from);

    expect(atFirstRequest.filter((c) => isWrite(c) && !isProgress(c)).map((c) => c.operationId)).toEqual([
      'issues/create-comment',
    ]);
    const end = github.calls.slice(lastAnswered);
    const conclusion = end.findIndex(isConclusion);
    // From the last answer to the conclusion: the pull request with its final text, then the check run.
    expect(
      end
        .slice(0, conclusion + 1)
        .filter((c) => isWrite(c) && !isProgress(c))
        .map((c) => c.operationId),
    ).toEqual(['pulls/create', 'checks/create']);
    expect(github.pullRequests(REPO)).toHaveLength(prsBefore + 1);
    const pr = github.pullRequests(REPO).at(-1)!;
    expect(pr.draft).toBe(true);
    expect(github.issue(REPO, pr.number)?.title).toBe('add() subtracts again');
    expect(calls.filter((c) => c.operationId === 'pulls/update')).toEqual([]);
    // Assignee, review request and the tracking comment's end follow the conclusion.
    const after = end.slice(conclusion + 1).map((c) => c.operationId);
    expect(after).toEqual(
      expect.arrayContaining(['issues/add-assignees', 'pulls/request-reviewers', 'issues/update-comment']),
    );
    expect(github.issue(REPO, pr.number)?.assignees).toEqual(['alice']);
    expect(pr.requestedReviewers).toContain('alice');
    expectCheckRunsMoveForward(calls);
    const head = await github.branchSha(REPO, pr.headRef);
    expect(github.checkRuns(REPO).filter((r) => r.headSha === head)).toMatchObject([
      { status: 'completed', conclusion: 'success' },
    ]);
  });

  it('`/agent fix`: the queued check run before the runner, 👀 after it; the result on the new head, then the reply', async () => {
    const pr = github.pullRequests(REPO).at(-1)!;
    const from = github.calls.length;
    let atFirstRequest: CallRecord[] = [];
    model.push(() => {
      atFirstRequest = github.calls.slice(from);
      return editor({ command: 'create', path: 'NOTES.md', file_text: 'notes\n' });
    }, done('Added notes.'));
    const comment = github.addComment(REPO, pr.number, { body: '/agent fix add notes', user: 'alice' });
    const payload = await payloadFor(github, REPO, 'issue_comment', 'created', {
      issue: { number: pr.number },
      comment: { id: comment.id },
      sender: { login: 'alice' },
    });
    expect((await server.deliver('issue_comment', payload)).status).toBeLessThan(300);
    const calls = await settledCalls(from);

    const writes = calls.filter(isWrite).map((c) => c.operationId);
    expect(writes[0]).toBe('checks/create'); // queued, before the runner starts
    expect(writes.indexOf('reactions/create-for-issue-comment')).toBeGreaterThan(0);
    expect(
      atFirstRequest
        .filter((c) => isWrite(c) && !isProgress(c))
        .map((c) => c.operationId)
        .filter((o) => o !== 'reactions/create-for-issue-comment'),
    ).toEqual(['checks/create']);
    const conclusion = calls.findIndex(isConclusion);
    expect(calls[conclusion]?.operationId).toBe('checks/create');
    const reply = calls.findIndex((c) => c.operationId === 'issues/create-comment');
    expect(reply).toBeGreaterThan(conclusion);
    expect(calls.findIndex((c) => body(c).conclusion === 'neutral')).toBeGreaterThan(conclusion);
    expectCheckRunsMoveForward(calls);
  });
});
