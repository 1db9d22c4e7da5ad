/**
 * Intake: each trigger in DESIGN.md's table makes exactly one task with the right target, trigger,
 * instructions and responsible engineer; everything else makes none. Dispatch is recorded, not run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startHarness, WEBHOOK_SECRET, type Harness } from '../../support/harness.js';

describe('webhook intake', () => {
  let h: Harness;
  let prNumber: number;
  let headSha: string;

  beforeAll(async () => {
    h = await startHarness({ dispatch: false });
    headSha = await h.github.commitFiles(
      REPO,
      'nightshift/issue-1-x',
      { 'math.js': 'exports.add = (a, b) => a + b;\n' },
      'Fix',
    );
    prNumber = (
      await h.github.addPullRequest(REPO, {
        head: 'nightshift/issue-1-x',
        title: 'Fix add',
        user: 'acme-nightshift[bot]',
      })
    ).number;
  });
  afterAll(() => h.close());

  async function tasksFor(number: number) {
    return (await h.tasks()).filter((t) => t.target.number === number);
  }

  it('issues.labeled `agent` → one issue task for the labeller', async () => {
    const issue = h.github.addIssue(REPO, { title: 'Broken', body: 'It is broken', user: 'bob' });
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'Agent' },
      sender: { login: 'alice' },
    });
    const answer = await h.deliver('issues', payload);
    expect(answer.statusCode).toBe(202);
    const [task, ...rest] = await tasksFor(issue.number);
    expect(rest).toEqual([]);
    expect(task).toMatchObject({
      status: 'queued',
      repository: REPO,
      engineer: 'alice',
      target: { kind: 'issue', number: issue.number },
      trigger: { kind: 'issue_label' },
    });
    await h.dispatcher.idle();
    expect(h.sent).toContainEqual({ type: 'dispatch', taskId: task?.id });
  });

  it('`/agent fix …` on its own line in a PR comment → a pr_comment task with the rest as instructions', async () => {
    const comment = h.github.addComment(REPO, prNumber, {
      body: 'Looks close.\n/Agent Fix rename add to sum\nand update callers',
      user: 'alice',
    });
    const payload = await h.payload('issue_comment', 'created', {
      issue: { number: prNumber },
      comment: { id: comment.id },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('issue_comment', payload)).statusCode).toBe(202);
    const task = (await tasksFor(prNumber)).find((t) => t.trigger.commentId === comment.id);
    expect(task).toMatchObject({
      engineer: 'alice',
      target: { kind: 'pull_request', number: prNumber },
      trigger: { kind: 'pr_comment', text: 'rename add to sum\nand update callers' },
    });
  });

  it('`/agent fix` in an inline review comment → a review_comment task', async () => {
    const comment = await h.github.addReviewComment(REPO, prNumber, {
      path: 'math.js',
      line: 1,
      body: '/agent fix use a named function',
      user: 'alice',
    });
    const payload = await h.payload('pull_request_review_comment', 'created', {
      pull_request: { number: prNumber },
      comment: { id: comment.id },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('pull_request_review_comment', payload)).statusCode).toBe(202);
    const task = (await tasksFor(prNumber)).find((t) => t.trigger.kind === 'review_comment');
    expect(task).toMatchObject({
      trigger: { commentId: comment.id, text: 'use a named function' },
      engineer: 'alice',
    });
  });

  it('a review whose body has `/agent fix` → a review task', async () => {
    const review = h.github.addReview(REPO, prNumber, {
      user: 'alice',
      state: 'COMMENTED',
      body: '/agent fix address these',
    });
    const payload = await h.payload('pull_request_review', 'submitted', {
      pull_request: { number: prNumber },
      review: { id: review.id, body: review.body, state: 'commented', user: { login: 'alice' } },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('pull_request_review', payload)).statusCode).toBe(202);
    const task = (await tasksFor(prNumber)).find((t) => t.trigger.kind === 'review');
    expect(task).toMatchObject({ trigger: { reviewId: review.id, text: 'address these' } });
  });

  it('Retry on our check run and Re-run → a retry keeping the original instructions, once per click', async () => {
    const original = await h.db.store.create({
      repository: REPO,
      installationId: 1,
      target: { kind: 'pull_request', number: prNumber },
      trigger: { kind: 'pr_comment', text: 'make it faster', sender: 'alice' },
      engineer: 'alice',
    });
    const run = await h.github.addCheckRun(REPO, {
      name: 'nightshift',
      headSha,
      conclusion: 'failure',
      app: h.github.ownApp,
      externalId: original.id,
    });
    const payload = await h.payload('check_run', 'requested_action', {
      check_run: { id: run.id },
      requested_action: { identifier: 'retry' },
      sender: { login: 'carol' },
    });
    h.github.setPermission(REPO, 'carol', 'maintain');
    const first = await h.deliver('check_run', payload);
    const doubleClick = await h.deliver('check_run', payload);
    expect(first.statusCode).toBe(202);
    expect(doubleClick.body.status).toBe('duplicate');
    const retries = (await tasksFor(prNumber)).filter((t) => t.retryOf === original.id);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({
      engineer: 'alice',
      trigger: { kind: 'retry', text: 'make it faster', sender: 'carol' },
    });

    const rerun = await h.payload('check_run', 'rerequested', {
      check_run: { id: run.id },
      sender: { login: 'carol' },
    });
    expect((await h.deliver('check_run', rerun)).body.status).toMatch(/created|duplicate/);
  });

  it('a failed check suite from another app on a Nightshift PR → a CI fix for the PR engineer', async () => {
    const payload = await h.payload('check_suite', 'completed', {
      check_suite: {
        conclusion: 'failure',
        head_sha: headSha,
        head_branch: 'nightshift/issue-1-x',
        app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions' },
        pull_requests: [
          {
            number: prNumber,
            head: {
              ref: 'nightshift/issue-1-x',
              sha: headSha,
              repo: { id: h.github.repo(REPO)?.id, name: 'calc', url: `${h.github.url}/repos/${REPO}` },
            },
            base: {
              ref: 'main',
              sha: headSha,
              repo: { id: h.github.repo(REPO)?.id, name: 'calc', url: `${h.github.url}/repos/${REPO}` },
            },
          },
        ],
      },
      sender: { login: 'github-actions[bot]', type: 'Bot' },
    });
    expect((await h.deliver('check_suite', payload)).statusCode).toBe(202);
    const task = (await tasksFor(prNumber)).find((t) => t.trigger.kind === 'ci_failure');
    expect(task).toMatchObject({ engineer: 'alice', trigger: { headSha } });
  });

  it('`/agent stop` → a cancel request for the target, no task', async () => {
    const before = (await h.tasks()).length;
    const comment = h.github.addComment(REPO, prNumber, { body: '/agent stop', user: 'alice' });
    const payload = await h.payload('issue_comment', 'created', {
      issue: { number: prNumber },
      comment: { id: comment.id },
      sender: { login: 'alice' },
    });
    const answer = await h.deliver('issue_comment', payload);
    expect(answer.statusCode).toBe(202);
    await h.dispatcher.idle();
    expect(h.sent.at(-1)).toMatchObject({ type: 'cancel', targetNumber: prNumber, sender: 'alice' });
    expect((await h.tasks()).length).toBe(before);
  });

  it('non-triggers make nothing: other labels, plain comments, edits, bots, closed issues', async () => {
    const before = (await h.tasks()).length;
    const sentBefore = h.sent.length;
    const issue = h.github.addIssue(REPO, { title: 'Other', user: 'bob' });
    const closed = h.github.addIssue(REPO, { title: 'Closed', user: 'bob', state: 'closed' });
    const plain = h.github.addComment(REPO, prNumber, { body: 'agent fix this please', user: 'alice' });
    const cases: Array<[string, Record<string, unknown>]> = [
      [
        'issues',
        await h.payload('issues', 'labeled', {
          issue: { number: issue.number },
          label: { name: 'bug' },
          sender: { login: 'alice' },
        }),
      ],
      [
        'issues',
        await h.payload('issues', 'labeled', {
          issue: { number: closed.number },
          label: { name: 'agent' },
          sender: { login: 'alice' },
        }),
      ],
      [
        'issues',
        await h.payload('issues', 'labeled', {
          issue: { number: issue.number },
          label: { name: 'agent' },
          sender: { login: 'renovate[bot]', type: 'Bot' },
        }),
      ],
      [
        'issue_comment',
        await h.payload('issue_comment', 'created', {
          issue: { number: prNumber },
          comment: { id: plain.id },
          sender: { login: 'alice' },
        }),
      ],
      [
        'issue_comment',
        await h.payload('issue_comment', 'edited', {
          issue: { number: prNumber },
          comment: { id: plain.id, body: '/agent fix now' },
          sender: { login: 'alice' },
        }),
      ],
      [
        'issues',
        await h.payload('issues', 'opened', { issue: { number: issue.number }, sender: { login: 'alice' } }),
      ],
    ];
    for (const [event, payload] of cases) {
      const answer = await h.deliver(event, payload);
      expect(answer.statusCode, `${event}.${String(payload.action)}`).toBe(200);
      expect(answer.body.status).toBe('ignored');
    }
    await h.dispatcher.idle();
    expect((await h.tasks()).length).toBe(before);
    expect(h.sent.length).toBe(sentBefore);
  });

  it('a wrong, missing or SHA-1-only signature → 401 and nothing written', async () => {
    const before = (await h.tasks()).length;
    const issue = h.github.addIssue(REPO, { title: 'Sig', user: 'bob' });
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('issues', payload, { secret: 'not-the-secret' })).statusCode).toBe(401);
    expect((await h.deliver('issues', payload, { secret: `${WEBHOOK_SECRET}x` })).statusCode).toBe(401);
    expect((await h.tasks()).length).toBe(before);
  });

  it('a base64 body (Function URL) is decoded and verified over its bytes', async () => {
    const issue = h.github.addIssue(REPO, { title: 'Base64 ünïcode', user: 'bob' });
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('issues', payload, { base64: true })).statusCode).toBe(202);
    expect(await tasksFor(issue.number)).toHaveLength(1);
  });

  it('the same delivery posted 20 times concurrently → one task, the rest answered as duplicates', async () => {
    const issue = h.github.addIssue(REPO, { title: 'Redelivered', user: 'bob' });
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => h.deliver('issues', payload, { deliveryId: 'same-delivery-id' })),
    );
    expect(answers.every((a) => a.statusCode === 202 || a.statusCode === 200)).toBe(true);
    expect(answers.filter((a) => a.body.status === 'created')).toHaveLength(1);
    expect(answers.filter((a) => a.body.status === 'duplicate')).toHaveLength(19);
    expect(await tasksFor(issue.number)).toHaveLength(1);
  });
});
