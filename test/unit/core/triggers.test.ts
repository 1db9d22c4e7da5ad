import { describe, expect, it } from 'vitest';
import { decideTrigger, parseAgentCommand, type Decision } from '../../../core/triggers.js';
import { example, patch } from './webhook-examples.js';

const APP_ID = 4242;
const ctx = { appId: APP_ID, appSlug: 'nightshift', label: 'agent' };
const PR_LINKS = {
  url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1',
  html_url: 'https://github.com/Codertocat/Hello-World/pull/1',
  diff_url: 'https://github.com/Codertocat/Hello-World/pull/1.diff',
  patch_url: 'https://github.com/Codertocat/Hello-World/pull/1.patch',
  merged_at: null,
};

function decide(name: string, payload: unknown, id?: string): Decision {
  return decideTrigger({ name, payload, id }, ctx);
}

function expectIgnored(decision: Decision, reason?: RegExp): void {
  expect(decision.action).toBe('ignore');
  if (reason && decision.action === 'ignore') expect(decision.reason).toMatch(reason);
}

describe('parseAgentCommand', () => {
  it('finds /agent fix and takes the rest of its line and every line after it as instructions', () => {
    expect(parseAgentCommand('/agent fix')).toEqual({ command: 'fix', instructions: '' });
    expect(parseAgentCommand('Thanks!\n/agent fix rename foo\nand add a test\n\n')).toEqual({
      command: 'fix',
      instructions: 'rename foo\nand add a test',
    });
    expect(parseAgentCommand('a\r\n/agent fix x\r\ny')).toEqual({ command: 'fix', instructions: 'x\ny' });
    expect(parseAgentCommand('/agent fix: handle null')).toEqual({
      command: 'fix',
      instructions: 'handle null',
    });
  });

  it('is case-insensitive and allows leading whitespace', () => {
    expect(parseAgentCommand('/Agent Fix the tests')).toEqual({ command: 'fix', instructions: 'the tests' });
    expect(parseAgentCommand('   \t/AGENT STOP')).toEqual({ command: 'stop', instructions: '' });
  });

  it('needs the command at the start of a line, as whole words', () => {
    expect(parseAgentCommand('please /agent fix this')).toBeUndefined();
    expect(parseAgentCommand('/agentfix')).toBeUndefined();
    expect(parseAgentCommand('/agent')).toBeUndefined();
    expect(parseAgentCommand('/agent   ')).toBeUndefined();
    // Words that are no command are words for the agent.
    expect(parseAgentCommand('/agent fixed it')).toEqual({ command: 'say', instructions: 'fixed it' });
    expect(parseAgentCommand('/agent also handle\nempty arrays')).toEqual({
      command: 'say',
      instructions: 'also handle\nempty arrays',
    });
    expect(parseAgentCommand('`/agent fix`')).toBeUndefined();
    expect(parseAgentCommand('')).toBeUndefined();
    expect(parseAgentCommand(null)).toBeUndefined();
  });

  it('ignores quoted lines: a quote of someone else is not a command', () => {
    expect(parseAgentCommand('> /agent fix the bug\n\nI agree')).toBeUndefined();
    expect(parseAgentCommand('  > /agent stop')).toBeUndefined();
  });

  it('ignores commands inside fenced code blocks', () => {
    expect(parseAgentCommand('Run:\n```\n/agent fix\n```')).toBeUndefined();
    expect(parseAgentCommand('~~~md\n/agent fix\n~~~\n/agent stop')).toEqual({
      command: 'stop',
      instructions: '',
    });
    expect(parseAgentCommand('````\n```\n/agent fix\n```\n````')).toBeUndefined();
    expect(parseAgentCommand('```js\n/agent fix')).toBeUndefined(); // an unclosed fence runs to the end
  });

  it('keeps code blocks that follow the command as part of the instructions', () => {
    expect(parseAgentCommand('/agent fix use this:\n```ts\nconst x = 1;\n```')).toEqual({
      command: 'fix',
      instructions: 'use this:\n```ts\nconst x = 1;\n```',
    });
  });

  it('ignores commands hidden in HTML comments, and invisible characters', () => {
    expect(parseAgentCommand('<!--\n/agent fix\n-->')).toBeUndefined();
    expect(parseAgentCommand('/agent\u200B fix now')).toEqual({ command: 'fix', instructions: 'now' });
  });

  it('takes the first command line', () => {
    expect(parseAgentCommand('/agent stop\n/agent fix')).toEqual({
      command: 'stop',
      instructions: '/agent fix',
    });
  });
});

describe('issues.labeled', () => {
  const labeled = (changes: Record<string, unknown> = {}) =>
    patch(example('issues', 'labeled'), { 'label.name': 'agent', ...changes });

  it('starts a plan for the plan label, the default or the one the context names', () => {
    expect(decide('issues', labeled({ 'label.name': 'Agent:Plan' }))).toMatchObject({
      action: 'task',
      trigger: { kind: 'plan', text: '', label: 'Agent:Plan' },
      intentKey: expect.stringMatching(/^plan:/),
    });
    const own = decideTrigger(
      { name: 'issues', payload: labeled({ 'label.name': 'think' }) },
      { ...ctx, planLabel: 'think' },
    );
    expect(own).toMatchObject({ action: 'task', trigger: { kind: 'plan', label: 'think' } });
    expectIgnored(decide('issues', labeled({ 'label.name': 'think' })), /"agent:plan"/);
  });

  it('starts a task for the trigger label on an open issue', () => {
    const payload = labeled({ 'issue.title': 'Spelling error', 'issue.body': 'Fix "teh".' });
    expect(decide('issues', payload, 'delivery-1')).toEqual({
      action: 'task',
      target: { kind: 'issue', number: 1 },
      trigger: {
        kind: 'issue_label',
        text: 'Spelling error\n\nFix "teh".',
        label: 'agent',
        deliveryId: 'delivery-1',
      },
      engineer: 'Codertocat',
      intentKey: 'label:codertocat/hello-world#1',
    });
  });

  it('matches the label case-insensitively, and the configured label', () => {
    expect(decide('issues', labeled({ 'label.name': 'Agent' })).action).toBe('task');
    const custom = decideTrigger(
      { name: 'issues', payload: labeled({ 'label.name': 'robot' }) },
      { ...ctx, label: 'Robot' },
    );
    expect(custom.action).toBe('task');
  });

  it('accepts the event name with its action, and an issue without a body', () => {
    const decision = decide('issues.labeled', labeled({ 'issue.body': null, 'issue.title': 'Only a title' }));
    expect(decision.action === 'task' && decision.trigger.text).toBe('Only a title');
  });

  it('ignores other labels, closed issues, bots and Nightshift itself', () => {
    expectIgnored(decide('issues', example('issues', 'labeled')), /label "bug"/);
    expectIgnored(decide('issues', labeled({ 'issue.state': 'closed' })), /closed/);
    expectIgnored(decide('issues', labeled({ 'sender.type': 'Bot', 'sender.login': 'triage' })), /bot/);
    expectIgnored(decide('issues', labeled({ 'sender.login': 'renovate[bot]' })), /bot/);
    expectIgnored(
      decide('issues', labeled({ 'sender.login': 'nightshift[bot]', 'sender.type': 'Bot' })),
      /itself/,
    );
  });

  it('ignores other issue actions', () => {
    expectIgnored(decide('issues', patch(example('issues', 'unlabeled'), { 'label.name': 'agent' })));
    expectIgnored(decide('issues', example('issues', 'opened')));
    expectIgnored(decide('issues.unlabeled', labeled()));
  });
});

describe('issue_comment.created', () => {
  const comment = (body: string, changes: Record<string, unknown> = {}) =>
    patch(example('issue_comment', 'created'), { 'comment.body': body, 'comment.id': 77, ...changes });
  const onPull = (body: string, changes: Record<string, unknown> = {}) =>
    comment(body, { 'issue.pull_request': PR_LINKS, ...changes });

  it('routes /agent fix <words> on a pull request as a message, a task when no agent listens', () => {
    const task = {
      action: 'task',
      target: { kind: 'pull_request', number: 1 },
      trigger: { kind: 'pr_comment', text: 'handle the empty list\nwith a test', commentId: 77 },
      engineer: 'Codertocat',
      intentKey: 'comment:codertocat/hello-world#77',
    };
    expect(
      decide('issue_comment', onPull('Looks close.\n/agent fix handle the empty list\nwith a test')),
    ).toEqual({
      action: 'message',
      target: { kind: 'pull_request', number: 1 },
      author: 'Codertocat',
      text: 'handle the empty list\nwith a test',
      commentId: 77,
      otherwise: task,
    });
    // A bare /agent fix is a round of fixes, never words for a running task.
    expect(decide('issue_comment', onPull('/agent fix'))).toMatchObject({
      action: 'task',
      trigger: { kind: 'pr_comment', text: '' },
    });
  });

  it('routes /agent <words> on an issue as a message, or an issue_comment task with the words', () => {
    expect(decide('issue_comment', comment('/agent also handle empty arrays'))).toMatchObject({
      action: 'message',
      target: { kind: 'issue', number: 1 },
      text: 'also handle empty arrays',
      otherwise: {
        action: 'task',
        target: { kind: 'issue', number: 1 },
        trigger: { kind: 'issue_comment', text: 'also handle empty arrays' },
        intentKey: 'comment:codertocat/hello-world#77',
      },
    });
    expectIgnored(decide('issue_comment', comment('/agent go on', { 'issue.state': 'closed' })), /closed/);
  });

  it('gives a redelivery the same intent key', () => {
    const first = decide('issue_comment', onPull('/agent fix'), 'd1');
    const again = decide('issue_comment', onPull('/agent fix'), 'd2');
    expect(first.action === 'task' && again.action === 'task' && first.intentKey === again.intentKey).toBe(
      true,
    );
  });

  it('ignores /agent fix on a plain issue, and comments without a command', () => {
    expectIgnored(decide('issue_comment', comment('/agent fix')), /pull requests/);
    expectIgnored(decide('issue_comment', example('issue_comment', 'created')), /no \/agent command/);
    expectIgnored(decide('issue_comment', onPull('> /agent fix\nwhy would we?')));
    expectIgnored(decide('issue_comment', onPull('```\n/agent fix\n```')));
  });

  it('starts a plan or its work for /agent plan and /agent go on an issue, never on a pull request', () => {
    expect(decide('issue_comment', comment('/agent plan keep it small'))).toEqual({
      action: 'task',
      target: { kind: 'issue', number: 1 },
      trigger: { kind: 'plan', text: 'keep it small', commentId: 77 },
      engineer: 'Codertocat',
      intentKey: 'comment:codertocat/hello-world#77',
    });
    expect(decide('issue_comment', comment('/agent go'))).toMatchObject({
      action: 'task',
      trigger: { kind: 'go', text: '', commentId: 77 },
    });
    expectIgnored(decide('issue_comment', onPull('/agent plan')), /works on issues/);
    expectIgnored(decide('issue_comment', onPull('/agent go')), /works on issues/);
  });

  it('ignores edited and deleted comments', () => {
    for (const action of ['edited', 'deleted']) {
      const payload = patch(example('issue_comment', action), {
        'comment.body': '/agent fix',
        'issue.pull_request': PR_LINKS,
      });
      expectIgnored(decide('issue_comment', payload));
    }
  });

  it('ignores a closed pull request, bots and our own comments', () => {
    expectIgnored(decide('issue_comment', onPull('/agent fix', { 'issue.state': 'closed' })), /closed/);
    expectIgnored(decide('issue_comment', onPull('/agent fix', { 'sender.type': 'Bot' })), /bot/);
    expectIgnored(
      decide('issue_comment', onPull('/agent fix', { 'comment.performed_via_github_app': { id: APP_ID } })),
      /itself/,
    );
  });

  it('stops the task of an issue or a pull request on /agent stop, even when closed', () => {
    expect(decide('issue_comment', comment('/agent stop'))).toEqual({
      action: 'stop',
      target: { kind: 'issue', number: 1 },
      engineer: 'Codertocat',
      commentId: 77,
    });
    expect(decide('issue_comment', onPull('please\n/agent stop', { 'issue.state': 'closed' }))).toEqual({
      action: 'stop',
      target: { kind: 'pull_request', number: 1 },
      engineer: 'Codertocat',
      commentId: 77,
    });
    expectIgnored(decide('issue_comment', comment('/agent stop', { 'sender.login': 'ci[bot]' })));
  });
});

describe('pull_request_review_comment.created', () => {
  const reviewComment = (body: string, changes: Record<string, unknown> = {}) =>
    patch(example('pull_request_review_comment', 'created'), { 'comment.body': body, ...changes });

  it('starts a task for /agent fix in an inline comment', () => {
    expect(decide('pull_request_review_comment', reviewComment('/agent fix use a Map here'))).toEqual({
      action: 'task',
      target: { kind: 'pull_request', number: 2 },
      trigger: { kind: 'review_comment', text: 'use a Map here', commentId: 284312630 },
      engineer: 'Codertocat',
      intentKey: 'comment:codertocat/hello-world#284312630',
    });
  });

  it('marks a pull request from a fork, also one whose fork was deleted', () => {
    const fork = reviewComment('/agent fix', { 'pull_request.head.repo.id': 999 });
    expect(decide('pull_request_review_comment', fork)).toMatchObject({ action: 'task', fork: true });
    const gone = reviewComment('/agent fix', { 'pull_request.head.repo': null });
    expect(decide('pull_request_review_comment', gone)).toMatchObject({ action: 'task', fork: true });
  });

  it('stops on /agent stop, ignores other comments, bots and closed pull requests', () => {
    expect(decide('pull_request_review_comment', reviewComment('/agent stop'))).toMatchObject({
      action: 'stop',
      target: { kind: 'pull_request', number: 2 },
      commentId: 284312630,
    });
    expectIgnored(decide('pull_request_review_comment', example('pull_request_review_comment', 'created')));
    expectIgnored(
      decide('pull_request_review_comment', reviewComment('/agent fix', { 'sender.type': 'Bot' })),
    );
    expectIgnored(
      decide('pull_request_review_comment', reviewComment('/agent fix', { 'pull_request.state': 'closed' })),
    );
    expectIgnored(
      decide(
        'pull_request_review_comment',
        patch(example('pull_request_review_comment', 'edited'), { 'comment.body': '/agent fix' }),
      ),
    );
  });
});

describe('pull_request_review.submitted', () => {
  const review = (changes: Record<string, unknown>) =>
    patch(example('pull_request_review', 'submitted'), changes);
  const reviewId = (example('pull_request_review', 'submitted').review as { id: number }).id;

  it('starts a task for a review whose body has /agent fix', () => {
    expect(
      decide('pull_request_review', review({ 'review.body': 'Nearly.\n/agent fix split the function' })),
    ).toEqual({
      action: 'task',
      target: { kind: 'pull_request', number: 2 },
      trigger: { kind: 'review', text: 'split the function', reviewId },
      engineer: 'Codertocat',
      intentKey: `review:codertocat/hello-world#${reviewId}`,
    });
  });

  it('offers a changes-requested review on a Nightshift pull request, flagged for the caller', () => {
    const payload = review({
      'review.state': 'changes_requested',
      'review.body': 'Wrong approach.',
      'pull_request.head.ref': 'nightshift/issue-1',
    });
    expect(decide('pull_request_review', payload)).toEqual({
      action: 'task',
      target: { kind: 'pull_request', number: 2 },
      trigger: { kind: 'review', text: '', reviewId },
      engineer: 'Codertocat',
      intentKey: `review:codertocat/hello-world#${reviewId}`,
      changesRequested: true,
    });
  });

  it('ignores changes requested on other pull requests, including a fork branch named nightshift/', () => {
    expectIgnored(
      decide('pull_request_review', review({ 'review.state': 'changes_requested' })),
      /did not open/,
    );
    const fork = review({
      'review.state': 'changes_requested',
      'pull_request.head.ref': 'nightshift/issue-1',
      'pull_request.head.repo.id': 1,
    });
    expectIgnored(decide('pull_request_review', fork), /did not open/);
  });

  it('marks /agent fix on a fork pull request', () => {
    const fork = review({ 'review.body': '/agent fix', 'pull_request.head.repo.id': 1 });
    expect(decide('pull_request_review', fork)).toMatchObject({ action: 'task', fork: true });
  });

  it('ignores plain reviews, approvals, dismissals, bots and closed pull requests', () => {
    expectIgnored(decide('pull_request_review', example('pull_request_review', 'submitted')));
    expectIgnored(
      decide('pull_request_review', review({ 'review.state': 'approved', 'review.body': 'LGTM' })),
    );
    expectIgnored(
      decide(
        'pull_request_review',
        patch(example('pull_request_review', 'dismissed'), { 'review.body': '/agent fix' }),
      ),
    );
    expectIgnored(
      decide('pull_request_review', review({ 'review.body': '/agent fix', 'sender.type': 'Bot' })),
    );
    expectIgnored(
      decide('pull_request_review', review({ 'review.body': '/agent fix', 'pull_request.state': 'closed' })),
    );
  });
});

describe('check_run buttons', () => {
  const pr = {
    url: 'https://api.github.com/repos/electron/electron/pulls/26764',
    id: 530493071,
    number: 26764,
    head: {
      ref: 'nightshift/issue-7',
      sha: '5bd5f196a46b8222fb7484f05faba41a73cf34bd',
      repo: { id: 9384267, url: '', name: 'electron' },
    },
    base: {
      ref: 'main',
      sha: '45eee468647309e9e6cdb2a88a3b460a59771fef',
      repo: { id: 9384267, url: '', name: 'electron' },
    },
  };
  const action = (identifier: string, changes: Record<string, unknown> = {}) =>
    patch(example('check_run', 'requested_action'), {
      'requested_action.identifier': identifier,
      'check_run.app.id': APP_ID,
      'check_run.external_id': 'task-123',
      'check_run.pull_requests': [pr],
      ...changes,
    });

  it('retries our task on Retry, keyed by the check run so a double click is one task', () => {
    expect(decide('check_run', action('retry'), 'd9')).toEqual({
      action: 'task',
      target: { kind: 'pull_request', number: 26764 },
      trigger: {
        kind: 'retry',
        text: '',
        headSha: '5bd5f196a46b8222fb7484f05faba41a73cf34bd',
        deliveryId: 'd9',
      },
      engineer: 'codebytere',
      intentKey: 'retry:electron/electron#1494503112',
      retryOf: 'task-123',
    });
  });

  it('cancels our task on Cancel', () => {
    expect(decide('check_run', action('cancel'))).toEqual({
      action: 'cancel',
      taskId: 'task-123',
      engineer: 'codebytere',
    });
  });

  it('ignores buttons on other apps’ check runs, unknown actions, bots and check runs without a task id', () => {
    expectIgnored(
      decide('check_run', example('check_run', 'requested_action')),
      /not Nightshift's check run/,
    );
    expectIgnored(decide('check_run', action('cancel', { 'check_run.app.id': 25811 })), /not Nightshift's/);
    expectIgnored(decide('check_run', action('lgtm')), /unknown check run action/);
    expectIgnored(decide('check_run', action('cancel', { 'sender.type': 'Bot' })), /bot/);
    expectIgnored(decide('check_run', action('retry', { 'check_run.external_id': '' })), /task id/);
    expectIgnored(decide('check_run', action('retry', { 'check_run.pull_requests': [] })), /pull request/);
  });

  it('retries our task on Re-run', () => {
    const payload = example('check_run', 'rerequested');
    const repo = { id: (payload.repository as { id: number }).id, url: '', name: 'Hello-World' };
    patch(payload, {
      'check_run.app.id': APP_ID,
      'check_run.external_id': 'task-9',
      'check_run.pull_requests': [
        { ...pr, number: 5, head: { ...pr.head, repo }, base: { ...pr.base, repo } },
      ],
    });
    const runId = (payload.check_run as { id: number }).id;
    expect(decide('check_run', payload)).toMatchObject({
      action: 'task',
      target: { kind: 'pull_request', number: 5 },
      trigger: { kind: 'retry' },
      engineer: 'octocat',
      retryOf: 'task-9',
      intentKey: `retry:github/hello-world#${runId}`,
    });
    expectIgnored(decide('check_run', example('check_run', 'rerequested')), /not Nightshift's/);
  });
});

describe('CI failures on Nightshift pull requests', () => {
  const suite = (changes: Record<string, unknown> = {}) =>
    patch(
      example(
        'check_suite',
        'completed',
        (p) => (p.check_suite as { pull_requests: unknown[] }).pull_requests.length > 0,
      ),
      {
        'check_suite.conclusion': 'failure',
        'check_suite.pull_requests.0.head.ref': 'nightshift/issue-1',
        ...changes,
      },
    );
  const sha = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

  it('starts a ci_failure task when another app’s suite fails; the caller fills in the engineer', () => {
    expect(decide('check_suite', suite())).toEqual({
      action: 'task',
      target: { kind: 'pull_request', number: 2 },
      trigger: { kind: 'ci_failure', text: '', headSha: sha },
      engineer: '',
      intentKey: `ci:codertocat/hello-world#2@${sha}`,
    });
    expect(decide('check_suite', suite({ 'check_suite.conclusion': 'timed_out' })).action).toBe('task');
  });

  it('does not care who the sender is: Nightshift pushed the commit', () => {
    expect(
      decide('check_suite', suite({ 'sender.login': 'nightshift[bot]', 'sender.type': 'Bot' })).action,
    ).toBe('task');
  });

  it('ignores success, our own suite, other branches and fork pull requests', () => {
    expectIgnored(decide('check_suite', suite({ 'check_suite.conclusion': 'success' })), /not a failure/);
    expectIgnored(decide('check_suite', suite({ 'check_suite.app.id': APP_ID })), /own check/);
    expectIgnored(
      decide('check_suite', suite({ 'check_suite.pull_requests.0.head.ref': 'feature' })),
      /not on a Nightshift/,
    );
    expectIgnored(
      decide('check_suite', suite({ 'check_suite.pull_requests.0.head.repo.id': 1 })),
      /not on a Nightshift/,
    );
    expectIgnored(decide('check_suite', example('check_suite', 'requested')));
  });

  it('also reacts to a failed check run of another app', () => {
    const run = patch(
      example(
        'check_run',
        'completed',
        (p) => (p.check_run as { conclusion: string }).conclusion === 'failure',
      ),
      {
        'check_run.pull_requests.0.head.ref': 'nightshift/issue-3',
      },
    );
    const checkRun = run.check_run as { head_sha: string; pull_requests: { number: number }[] };
    expect(decide('check_run', run)).toMatchObject({
      action: 'task',
      trigger: { kind: 'ci_failure', headSha: checkRun.head_sha },
      intentKey: `ci:codertocat/hello-world#${checkRun.pull_requests[0]!.number}@${checkRun.head_sha}`,
    });
    expectIgnored(decide('check_run', patch(run, { 'check_run.app.id': APP_ID })), /own check/);
  });
});

describe('anything else', () => {
  it('ignores other events and malformed payloads', () => {
    expectIgnored(decide('push', { ref: 'refs/heads/main' }), /not a trigger/);
    expectIgnored(decide('issues', null), /not an object/);
    expectIgnored(
      decide('issues', { action: 'labeled', label: { name: 'agent' }, sender: { login: 'a', type: 'User' } }),
      /malformed/,
    );
  });
});
