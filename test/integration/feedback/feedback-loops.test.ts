/**
 * The feedback loops that keep the agent iterating until a person merges: failing CI, a review
 * with changes requested, a base branch that moved with a conflicting change, and the check
 * run's Cancel, Retry and Re-run buttons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../../core/task.js';
import { CALC_FILES, REPO, startHarness, type Harness } from '../../support/harness.js';
import { bash, done, editor, type ScriptStep } from '../../support/scripted-model/index.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

describe('feedback loops on a Nightshift pull request', () => {
  let h: Harness;
  let pr: { number: number; headRef: string };

  beforeAll(async () => {
    h = await startHarness({
      files: { ...CALC_FILES, '.github/nightshift.yml': 'test: node test.js\nciFix:\n  maxAttempts: 2\n' },
    });
    const issue = h.github.addIssue(REPO, { title: 'Fix add', body: 'add(2, 3) should be 5', user: 'bob' });
    h.model.push(
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      done('Fixed add().'),
    );
    await h.label(issue.number);
    await h.settle();
    const opened = h.github.pullRequests(REPO)[0];
    if (!opened) throw new Error('no pull request');
    pr = opened;
  });
  afterAll(() => h.close());

  async function newTasks(before: Set<string>): Promise<Task[]> {
    return (await h.tasks()).filter((t) => !before.has(t.id));
  }
  async function ids(): Promise<Set<string>> {
    return new Set((await h.tasks()).map((t) => t.id));
  }
  async function head(): Promise<string> {
    return (await h.github.branchSha(REPO, pr.headRef)) ?? '';
  }

  async function ciFails(sha: string, title: string): Promise<void> {
    const repoId = h.github.repo(REPO)?.id;
    const side = (ref: string) => ({
      ref,
      sha,
      repo: { id: repoId, name: 'calc', url: `${h.github.url}/repos/${REPO}` },
    });
    await h.github.addCheckRun(REPO, {
      name: 'test',
      headSha: sha,
      conclusion: 'failure',
      output: { title, summary: 'npm test exited with 1' },
      annotations: [
        {
          path: 'math.js',
          start_line: 1,
          end_line: 1,
          annotation_level: 'failure',
          message: `${title}: expected 6`,
        },
      ],
    });
    const payload = await h.payload('check_suite', 'completed', {
      check_suite: {
        conclusion: 'failure',
        head_sha: sha,
        head_branch: pr.headRef,
        app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions' },
        pull_requests: [{ number: pr.number, head: side(pr.headRef), base: side('main') }],
      },
      sender: { login: 'github-actions[bot]', type: 'Bot' },
    });
    const answer = await h.deliver('check_suite', payload);
    expect(answer.statusCode, JSON.stringify(answer.body)).toBe(202);
    await h.settle();
  }

  it('fixes failing CI with the failure in the prompt, a bounded number of times, then says it stopped', async () => {
    const before = await ids();
    const first = await head();
    h.model.push((request) => {
      const system = JSON.stringify(request.body.system);
      expect(system).toContain('add(1, 5) broke');
      expect(system).toContain('expected 6');
      return editor({ command: 'create', path: 'fix-1.txt', file_text: 'one\n' });
    }, done('Fixed the first failure.'));
    await ciFails(first, 'add(1, 5) broke');
    const second = await head();
    expect(second).not.toBe(first);
    // The agent gave no subject line: the commit says what the CI fix was for.
    expect((await h.github.log(REPO, pr.headRef))[0]?.message.split('\n')[0]).toBe('Fix failing checks');

    h.model.push(
      editor({ command: 'create', path: 'fix-2.txt', file_text: 'two\n' }),
      done('Fixed the second failure.'),
    );
    await ciFails(second, 'add(2, 5) broke');
    const third = await head();
    expect(third).not.toBe(second);

    const requests = h.model.requests.length;
    await ciFails(third, 'add(3, 5) broke');
    expect(await head()).toBe(third);
    expect(h.model.requests.length).toBe(requests);
    const tasks = await newTasks(before);
    expect(tasks.filter((t) => t.status === 'succeeded')).toHaveLength(2);
    expect(tasks.every((t) => t.engineer === 'alice' && t.trigger.kind === 'ci_failure')).toBe(true);
    expect(h.github.comments(REPO, pr.number).some((c) => /stopped trying to fix CI/.test(c.body))).toBe(
      true,
    );
  });

  it('addresses a changes-requested review: one commit for both comments, a reply in each thread naming it', async () => {
    const review = h.github.addReview(REPO, pr.number, {
      user: 'alice',
      state: 'CHANGES_REQUESTED',
      body: 'A couple of things.',
    });
    const headNow = await head();
    const comments = ['Name the function `sum`?', 'Add a comment explaining the formula.'].map((body, i) =>
      h.github.addReviewCommentRecord({
        repo: REPO,
        pullNumber: pr.number,
        reviewId: review.id,
        path: 'math.js',
        line: 1,
        startLine: null,
        side: 'RIGHT',
        diffHunk: '@@ -1 +1 @@\n-exports.add = (a, b) => a - b;\n+exports.add = (a, b) => a + b;',
        commitId: headNow,
        body: body + ' '.repeat(i),
        user: 'alice',
      }),
    );
    h.model.push((request) => {
      const system = JSON.stringify(request.body.system);
      for (const c of comments) expect(system).toContain(String(c.id));
      expect(system).toContain('Name the function');
      return editor({
        command: 'create',
        path: 'math.js',
        file_text: '// a + b, the sum\nexports.add = (a, b) => a + b;\n',
      });
    }, done('Documented the formula; kept the name add for callers.'));
    const payload = await h.payload('pull_request_review', 'submitted', {
      pull_request: { number: pr.number },
      review: { id: review.id, body: review.body, state: 'changes_requested', user: { login: 'alice' } },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('pull_request_review', payload)).statusCode).toBe(202);
    await h.settle();
    const after = await head();
    const reviewTask = (await h.tasks()).find((t) => t.trigger.reviewId === review.id);
    expect(reviewTask?.status, reviewTask?.error ?? 'no task').toBe('succeeded');
    expect(after).not.toBe(headNow);
    const log = await h.github.log(REPO, pr.headRef);
    expect(log[0]?.sha).toBe(after);
    expect(log[1]?.sha).toBe(headNow);
    const replies = h.github.reviewReplies(REPO, pr.number);
    for (const c of comments) {
      const reply = replies.find((r) => r.inReplyToId === c.id);
      expect(reply?.body).toContain(after.slice(0, 7));
    }
  });

  it('merges a base branch that moved with a conflicting change, resolves it, passes the tests, never force-pushes', async () => {
    await h.github.commitFiles(
      REPO,
      'main',
      { 'math.js': 'exports.add = (x, y) => x - y; // main changed this\n' },
      'Conflicting change on main',
    );
    h.github.updatePullRequest(REPO, pr.number, { mergeable: false, mergeableState: 'dirty' });
    const before = await head();
    const comment = h.github.addComment(REPO, pr.number, { body: '/agent fix', user: 'alice' });
    h.model.push(
      (request) => {
        expect(JSON.stringify(request.body.system)).toContain('Merge conflict');
        return bash('grep -c "<<<<<<<" math.js; git status --short');
      },
      (request) => {
        expect(JSON.stringify(request.body.messages.at(-1))).toMatch(/UU math\.js|both modified/);
        return editor({
          command: 'create',
          path: 'math.js',
          file_text: '// a + b, the sum\nexports.add = (x, y) => x + y;\n',
        });
      },
      bash('node test.js'),
      done('Merged main and resolved the conflict in math.js.'),
    );
    await h.deliver(
      'issue_comment',
      await h.payload('issue_comment', 'created', {
        issue: { number: pr.number },
        comment: { id: comment.id },
        sender: { login: 'alice' },
      }),
    );
    await h.settle();
    const after = await head();
    const [merge] = await h.github.log(REPO, pr.headRef);
    expect(merge?.sha).toBe(after);
    expect(merge?.parents).toHaveLength(2);
    expect(merge?.parents).toContain(before);
    expect(merge?.parents).toContain(await h.github.branchSha(REPO, 'main'));
    expect(await h.github.readFile(REPO, pr.headRef, 'math.js')).not.toContain('<<<<<<<');
    expect(h.github.pushes.filter((p) => p.ref === `refs/heads/${pr.headRef}`).every((p) => !p.forced)).toBe(
      true,
    );
    const task = (await h.tasks()).find((t) => t.trigger.commentId === comment.id);
    expect(task?.status).toBe('succeeded');
  });

  it('Cancel during a run → cancelled; Retry after a failure → a new task succeeds; Re-run likewise', async () => {
    h.github.updatePullRequest(REPO, pr.number, { mergeable: true, mergeableState: 'clean' });
    // Cancel while running.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const before = await ids();
    h.model.push(bash('true'), () => held.then(() => bash('true')) as Promise<ScriptStep>);
    const comment = h.github.addComment(REPO, pr.number, { body: '/agent fix slow thing', user: 'alice' });
    await h.deliver(
      'issue_comment',
      await h.payload('issue_comment', 'created', {
        issue: { number: pr.number },
        comment: { id: comment.id },
        sender: { login: 'alice' },
      }),
    );
    const running = await h.waitForTask(
      (t) => !before.has(t.id) && t.status === 'running' && t.checkRunId !== undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    const cancel = await h.payload('check_run', 'requested_action', {
      check_run: { id: running.checkRunId },
      requested_action: { identifier: 'cancel' },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('check_run', cancel)).statusCode).toBe(202);
    await h.dispatcher.idle();
    release();
    await h.settle();
    const cancelled = await h.db.store.load(running.id);
    expect(cancelled.status, cancelled.error).toBe('cancelled');

    // Retry the cancelled task: keeps its instructions, links the earlier attempt.
    h.model.push(
      editor({ command: 'create', path: 'slow.txt', file_text: 'done\n' }),
      done('Did the slow thing.'),
    );
    const retry = await h.payload('check_run', 'requested_action', {
      check_run: { id: cancelled.checkRunId },
      requested_action: { identifier: 'retry' },
      sender: { login: 'alice' },
    });
    await h.deliver('check_run', retry);
    await h.settle();
    const retried = (await h.tasks()).find((t) => t.retryOf === cancelled.id);
    expect(retried).toMatchObject({
      status: 'succeeded',
      attempt: cancelled.attempt + 1,
      trigger: { kind: 'retry', text: 'slow thing' },
    });

    // Re-run on that task's check run behaves as Retry.
    h.model.push(editor({ command: 'create', path: 'rerun.txt', file_text: 'again\n' }), done('Again.'));
    const rerun = await h.payload('check_run', 'rerequested', {
      check_run: { id: retried?.checkRunId },
      sender: { login: 'alice' },
    });
    await h.deliver('check_run', rerun);
    await h.settle();
    const rerunTask = (await h.tasks()).find((t) => t.retryOf === retried?.id);
    expect(rerunTask?.status).toBe('succeeded');
    expect(rerunTask?.attempt).toBe(cancelled.attempt + 2);
    expect((await h.tasks()).filter((t) => !TERMINAL.includes(t.status))).toEqual([]);
  });
});
