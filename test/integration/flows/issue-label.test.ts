/**
 * The first user flow through the Lambda path: a person labels an issue `agent`; Nightshift
 * answers the webhook at once, then opens a draft pull request with the fix on its own branch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_KEY, REPO, startHarness, terminal, type Harness } from '../../support/harness.js';
import { bash, done, editor } from '../../support/scripted-model/index.js';

describe('labelling an issue `agent`', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('opens a draft PR that closes the issue, with the fix, a successful check run and the engineer assigned', async () => {
    const issue = h.github.addIssue(REPO, {
      title: 'add() returns the difference',
      body: 'add(2, 3) should be 5.',
      user: 'bob',
    });
    h.model.push(
      editor({ command: 'view', path: 'math.js' }),
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      bash('node test.js'),
      done('Fixed add() in math.js: it subtracted instead of adding.'),
    );
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });

    const answer = await h.deliver('issues', payload);
    expect(answer.statusCode).toBe(202);
    expect(answer.body.status).toBe('created');
    // No GitHub API call before the answer.
    expect(h.github.calls.filter((c) => c.operationId !== 'apps/create-installation-access-token')).toEqual(
      [],
    );

    await h.settle();
    const task = await h.waitForTask(terminal);
    expect(task).toMatchObject({
      status: 'succeeded',
      engineer: 'alice',
      target: { kind: 'issue', number: issue.number },
    });
    expect(task.usage.turns).toBe(4);
    expect(task.usage.inputTokens + task.usage.cacheReadTokens).toBeGreaterThan(0);
    expect(task.usage.costUsd).toBeGreaterThan(0);

    const [pr] = h.github.pullRequests(REPO);
    if (!pr) throw new Error('no pull request');
    const conversation = h.github.issue(REPO, pr.number);
    expect(pr.draft).toBe(true);
    expect(pr.headRef).toMatch(/^nightshift\/issue-\d+-add-returns-the-difference$/);
    expect(conversation?.title).toBe('add() returns the difference');
    expect(conversation?.body).toContain(`Closes #${issue.number}`);
    expect(conversation?.body).toContain('Fixed add()');
    expect(conversation?.body).toContain('`node test.js`: passed');
    expect(conversation?.assignees).toContain('alice');
    expect(pr.requestedReviewers).toContain('alice');
    expect(await h.github.readFile(REPO, pr.headRef, 'math.js')).toBe('exports.add = (a, b) => a + b;\n');
    expect(await h.github.readFile(REPO, 'main', 'math.js')).toBe('exports.add = (a, b) => a - b;\n');
    expect(h.github.pushes.every((p) => !p.forced && p.ref !== 'refs/heads/main')).toBe(true);

    const headSha = await h.github.branchSha(REPO, pr.headRef);
    const runs = h.github.checkRuns(REPO).filter((r) => r.name === 'nightshift');
    const onHead = runs.find((r) => r.headSha === headSha);
    expect(onHead).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(onHead?.output?.summary).toContain('Fixed add()');
    expect(runs.every((r) => r.status === 'completed')).toBe(true);

    const comments = h.github.comments(REPO, issue.number);
    expect(comments.some((c) => c.body.includes('Nightshift'))).toBe(true);
    const everything = JSON.stringify([h.github.calls.map((c) => c.body), comments, runs]);
    expect(everything).not.toContain(ANTHROPIC_KEY);
    expect(everything).not.toContain(h.github.privateKey.slice(40, 80));
  });
});
