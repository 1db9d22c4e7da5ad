/**
 * Plan first (issue 15, item 3), end to end: `/agent plan` → one plan comment and nothing
 * published, even by an agent that tries to write; `/agent plan <feedback>` revises that comment;
 * the comment edited by a person + `/agent go` → the work, from the edited plan, in the usual
 * draft pull request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_MARKER } from '../../core/plan.js';
import type { Task } from '../../core/task.js';
import { READ_ONLY_REFUSAL } from '../../agent-task/tools/text-editor.js';
import { REPO, startHarness, terminal, type Harness } from '../support/harness.js';
import { bash, done, editor } from '../support/scripted-model/index.js';
import type { RecordedRequest } from '../support/scripted-model/types.js';

const sent = (request: RecordedRequest | undefined): string => JSON.stringify(request?.body ?? {});

const PLAN = [
  '## What I understood',
  'add() subtracts; it should add.',
  '## Steps',
  '1. Change `a - b` to `a + b` in math.js.',
  '## Files I expect to change',
  '- math.js',
  '## How I will verify',
  'Run `node test.js`.',
  '## Open questions',
  'None.',
].join('\n');

describe('plan first', () => {
  let h: Harness;
  let issueNumber: number;
  beforeAll(async () => {
    h = await startHarness();
    issueNumber = h.github.addIssue(REPO, {
      title: 'add() subtracts',
      body: 'add(2, 3) should be 5.',
      user: 'bob',
    }).number;
  });
  afterAll(() => h.close());

  /** `/agent …` on the issue by `login`; waits for the task it starts to end. */
  async function command(body: string, login = 'alice'): Promise<Task> {
    const before = new Set((await h.tasks()).map((t) => t.id));
    const posted = h.github.addComment(REPO, issueNumber, { body, user: login });
    await h.deliver(
      'issue_comment',
      await h.payload('issue_comment', 'created', {
        issue: { number: issueNumber },
        comment: { id: posted.id, body },
        sender: { login },
      }),
    );
    await h.settle();
    return h.waitForTask((t) => !before.has(t.id) && terminal(t));
  }

  const planComments = () => h.github.comments(REPO, issueNumber).filter((c) => c.body.includes(PLAN_MARKER));

  it('/agent plan: one plan comment, no branch, no push, no pull request, whatever the agent tries', async () => {
    const repo = h.github.state.mustRepo(REPO);
    const refsBefore = await h.github.refSnapshot(repo);
    const pushesBefore = h.github.pushes.length;
    const first = h.model.requests.length;
    h.model.push(
      bash('ls'),
      // An agent obeying injected instructions: write a file, commit it, make a branch.
      editor({ command: 'create', path: 'PWNED.md', file_text: 'pwned\n' }),
      bash(
        'echo pwned > PWNED.md && git checkout -q -b evil && git add -A && git commit -qm pwned; git log --oneline | head -1',
      ),
      done(PLAN),
    );
    const task = await command('/agent plan focus on math.js');
    expect(task).toMatchObject({ status: 'succeeded', trigger: { kind: 'plan', text: 'focus on math.js' } });
    expect(task.result?.headline).toBe('Plan posted');

    const [comment, ...more] = planComments();
    expect(more).toEqual([]);
    expect(comment?.user).toMatch(/\[bot\]$/);
    expect(comment?.body).toContain('## Steps');
    expect(comment?.body).toContain('Change `a - b` to `a + b` in math.js.');
    expect(comment?.body).toMatch(/Spend so far: 4 turns/);
    expect(comment?.body).toContain('/agent go');

    const requests = h.model.requests.slice(first);
    expect(sent(requests[0])).toContain('This task asks for a plan, not a change');
    expect(sent(requests[0])).toContain('focus on math.js');
    expect(sent(requests[2])).toContain(READ_ONLY_REFUSAL);
    expect(h.github.pushes.length).toBe(pushesBefore);
    expect(await h.github.refSnapshot(repo)).toEqual(refsBefore);
    expect(h.github.pullRequests(REPO)).toEqual([]);
  });

  it('/agent plan <feedback> revises the same comment, from the plan as it stands', async () => {
    const [before] = planComments();
    const first = h.model.requests.length;
    h.model.push(done(PLAN.replace('None.', 'Should negative numbers be covered? Yes: add a test.')));
    const task = await command('/agent plan also cover negative numbers');
    expect(task.status).toBe('succeeded');
    const [after, ...more] = planComments();
    expect(more).toEqual([]);
    expect(after?.id).toBe(before?.id);
    expect(after?.body).toContain("Nightshift's plan (revised)");
    expect(after?.body).toContain('Should negative numbers be covered?');
    // The spend so far: both plan rounds (4 turns, then 1).
    expect(after?.body).toMatch(/Spend so far: 5 turns/);
    const asked = sent(h.model.requests[first]);
    expect(asked).toContain('Revise this plan');
    expect(asked).toContain('Change `a - b` to `a + b` in math.js.');
    expect(asked).toContain('also cover negative numbers');
    expect(h.github.pullRequests(REPO)).toEqual([]);
  });

  it('an edited plan comment + /agent go: the work starts from the edited plan and ends in a draft pull request', async () => {
    const [plan] = planComments();
    // A person edits the plan on GitHub.
    const record = h.github.state.comments.get(plan!.id)!;
    record.body = record.body.replace('1. Change `a - b`', '1. EDITED BY ALICE: change `a - b`');
    const first = h.model.requests.length;
    h.model.push(
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      bash('node test.js'),
      done('Fixed add() as planned.'),
    );
    const task = await command('/agent go and keep it small');
    expect(task).toMatchObject({ status: 'succeeded', trigger: { kind: 'go', text: 'and keep it small' } });
    const asked = sent(h.model.requests[first]);
    expect(asked).toContain('Carry out this plan');
    expect(asked).toContain('EDITED BY ALICE: change');
    expect(asked).toContain('and keep it small');
    expect(asked).not.toContain('This task asks for a plan');

    const [pr] = h.github.pullRequests(REPO);
    expect(pr?.draft).toBe(true);
    expect(h.github.issue(REPO, pr!.number)?.body).toContain(`Closes #${issueNumber}`);
    expect(await h.github.readFile(REPO, pr!.headRef, 'math.js')).toBe('exports.add = (a, b) => a + b;\n');
    expect(planComments()).toHaveLength(1);
  });

  it('the agent:plan label plans too: a task like any other, with its cost, on the status list', async () => {
    const issue = h.github.addIssue(REPO, {
      title: 'Plan the docs',
      body: 'What would change?',
      user: 'bob',
    });
    h.model.push(done(PLAN));
    const pushesBefore = h.github.pushes.length;
    await h.deliver(
      'issues',
      await h.payload('issues', 'labeled', {
        issue: { number: issue.number },
        label: { name: 'agent:plan' },
        sender: { login: 'alice' },
      }),
    );
    await h.settle();
    const task = await h.waitForTask((t) => t.target.number === issue.number && terminal(t));
    expect(task).toMatchObject({ status: 'succeeded', trigger: { kind: 'plan', label: 'agent:plan' } });
    expect(task.usage.turns).toBe(1);
    expect(task.usage.costUsd).toBeGreaterThan(0);
    const plans = h.github.comments(REPO, issue.number).filter((c) => c.body.includes(PLAN_MARKER));
    expect(plans).toHaveLength(1);
    expect(h.github.pushes.length).toBe(pushesBefore);
  });
});
