/**
 * Dispatch after the webhook's answer: the permission gate, forks, invalid configuration, the
 * target's lock and queue, ECS RunTask failures, and the runner's stop event.
 */
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashTokenNonce } from '../../../core/task-token.js';
import type { Task } from '../../../core/task.js';
import { onRunnerStopped } from '../../../functions/runner-stopped.js';
import { EcsRunner } from '../../../functions/runners/ecs-runner.js';
import { REPO, startHarness, type Harness } from '../../support/harness.js';
import { RecordingRunner } from '../../support/recording-runner.js';

describe('dispatch', () => {
  let h: Harness;
  const runner = new RecordingRunner();
  let prNumber: number;

  beforeAll(async () => {
    h = await startHarness({ runner });
    await h.github.commitFiles(
      REPO,
      'nightshift/issue-9-x',
      { 'math.js': 'exports.add = (a, b) => a + b;\n' },
      'Fix',
    );
    prNumber = (await h.github.addPullRequest(REPO, { head: 'nightshift/issue-9-x', title: 'Fix add' }))
      .number;
  });
  afterAll(() => h.close());

  async function label(login: string, title = 'Task'): Promise<{ number: number; task: Task }> {
    const issue = h.github.addIssue(REPO, { title, user: 'bob' });
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login },
    });
    await h.deliver('issues', payload);
    await h.dispatcher.idle();
    const task = (await h.tasks()).find((t) => t.target.number === issue.number);
    if (!task) throw new Error('no task');
    return { number: issue.number, task: await h.db.store.load(task.id) };
  }

  async function fixComment(login: string, body = '/agent fix tidy up'): Promise<Task> {
    const comment = h.github.addComment(REPO, prNumber, { body, user: login });
    const payload = await h.payload('issue_comment', 'created', {
      issue: { number: prNumber },
      comment: { id: comment.id },
      sender: { login },
    });
    await h.deliver('issue_comment', payload);
    await h.dispatcher.idle();
    const task = (await h.tasks()).find((t) => t.trigger.commentId === comment.id);
    if (!task) throw new Error('no task');
    return h.db.store.load(task.id);
  }

  it('starts the runner for a permitted user: tracking comment, dispatched, runner id recorded', async () => {
    const { number, task } = await label('alice');
    expect(task.status).toBe('dispatched');
    expect(task.runnerId).toBe(`fake:${task.id}`);
    expect(runner.started.map((t) => t.id)).toContain(task.id);
    expect(
      h.github.comments(REPO, number).some((c) => c.body.includes('Nightshift') && c.user.endsWith('[bot]')),
    ).toBe(true);
  });

  it('hands the runner a fresh token nonce and keeps only its hash on the task', async () => {
    const { task } = await label('alice', 'Nonce');
    const nonce = runner.nonces.get(task.id);
    expect(nonce).toMatch(/^[\w-]{43}$/); // 32 random bytes, base64url
    expect(task.tokenNonceHash).toBe(hashTokenNonce(nonce!));
    expect(JSON.stringify(task)).not.toContain(nonce);
    const other = await label('alice', 'Another nonce');
    expect(runner.nonces.get(other.task.id)).not.toBe(nonce);
  });

  it('refuses a user with read or triage permission: one polite reply, no work', async () => {
    h.github.setPermission(REPO, 'tri', 'triage');
    const startedBefore = runner.started.length;
    const { number, task } = await label('tri');
    expect(task.status).toBe('failed');
    expect(runner.started.length).toBe(startedBefore);
    const replies = h.github.comments(REPO, number).filter((c) => c.body.includes('@tri'));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toMatch(/write access/);
  });

  it('acknowledges a PR comment with 👀 and a queued check run on the head', async () => {
    const task = await fixComment('alice');
    expect(task.status).toBe('dispatched');
    expect(h.github.reactions({ subjectId: task.trigger.commentId }).map((r) => r.content)).toContain('eyes');
    const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
    expect(run).toMatchObject({ name: 'nightshift', status: 'queued', externalId: task.id });
    expect(run?.actions.map((a) => a.identifier)).toEqual(['cancel']);
  });

  it('queues a second trigger on a busy target, and the runner-stopped event fails the first and starts it', async () => {
    const first = (await h.tasks()).find((t) => t.target.number === prNumber && t.status === 'dispatched');
    if (!first) throw new Error('no running task on the PR');
    const second = await fixComment('alice', '/agent fix and another thing');
    expect(second.status).toBe('waiting');
    const startedBefore = runner.started.length;

    await onRunnerStopped(
      h.deps,
      first.id,
      'EssentialContainerExited · exit code 137 (killed: out of memory or stopped)',
    );
    await h.dispatcher.idle();
    const ended = await h.db.store.load(first.id);
    expect(ended.status).toBe('failed');
    expect(ended.error).toContain('exit code 137');
    const run = h.github.checkRuns(REPO).find((r) => r.id === ended.checkRunId);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run?.actions.map((a) => a.identifier)).toEqual(['retry']);
    expect(await h.db.store.lockHolder(REPO, prNumber)).toBe(second.id);
    expect((await h.db.store.load(second.id)).status).toBe('dispatched');
    expect(runner.started.length).toBe(startedBefore + 1);

    // A duplicate or late stop event for the ended task changes nothing.
    await onRunnerStopped(h.deps, first.id, 'again');
    expect((await h.db.store.load(first.id)).version).toBe(ended.version);
    await onRunnerStopped(h.deps, second.id, 'stopped');
  });

  it('refuses a pull request from a fork with a reply, and no work', async () => {
    const fork = await h.github.addFork(REPO, { owner: 'mallory' });
    await h.github.commitFiles(fork.fullName, 'feature', { 'evil.js': 'x' }, 'Evil');
    const pr = await h.github.addPullRequest(REPO, {
      head: 'mallory:feature',
      title: 'From a fork',
      user: 'mallory',
    });
    const comment = h.github.addComment(REPO, pr.number, { body: '/agent fix', user: 'alice' });
    const payload = await h.payload('issue_comment', 'created', {
      issue: { number: pr.number },
      comment: { id: comment.id },
      sender: { login: 'alice' },
    });
    const startedBefore = runner.started.length;
    await h.deliver('issue_comment', payload);
    await h.dispatcher.idle();
    const task = (await h.tasks()).find((t) => t.target.number === pr.number);
    expect(task?.status).toBe('failed');
    expect(runner.started.length).toBe(startedBefore);
    expect(h.github.comments(REPO, pr.number).some((c) => /fork/.test(c.body))).toBe(true);
  });

  it('an invalid .github/nightshift.yml → the error on the tracking comment, no agent started', async () => {
    await h.github.commitFiles(
      REPO,
      'main',
      { '.github/nightshift.yml': 'limits:\n  turns: ten\nlabels: agent\n' },
      'Bad config',
    );
    const startedBefore = runner.started.length;
    const { number, task } = await label('alice', 'Config');
    expect(task.status).toBe('failed');
    expect(runner.started.length).toBe(startedBefore);
    const text = h.github
      .comments(REPO, number)
      .map((c) => c.body)
      .join('\n');
    expect(text).toContain('limits.turns');
    expect(text).toMatch(/labels/);
    await h.github.commitFiles(
      REPO,
      'main',
      { '.github/nightshift.yml': 'test: node test.js\n' },
      'Fix config',
    );
  });

  it('an ECS RunTask capacity failure makes the task wait (not fail), its check run queued saying why, its lock kept', async () => {
    const ecs = mockClient(ECSClient);
    ecs
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'Capacity is unavailable at this time' }] });
    const ecsRunner = new EcsRunner({
      client: new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      cluster: 'nightshift',
      taskDefinition: 'agent:1',
      containerName: 'agent',
      subnets: ['subnet-1'],
      securityGroups: ['sg-1'],
      assignPublicIp: true,
      attempts: 3,
      sleep: async () => undefined,
    });
    const original = h.deps.runner;
    h.deps.runner = ecsRunner;
    try {
      const task = await fixComment('alice', '/agent fix with ecs');
      expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(3);
      expect(task).toMatchObject({ status: 'waiting', waitingFor: 'capacity' });
      expect(task.error).toBeUndefined();
      const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
      expect(run?.status).toBe('queued');
      expect(run?.output.summary).toMatch(
        /Waiting for capacity: no Fargate capacity after 3 attempts: Capacity is unavailable/,
      );
      expect(await h.db.store.lockHolder(REPO, prNumber)).toBe(task.id);
      await onRunnerStopped(h.deps, task.id, 'test clean-up');
      expect(await h.db.store.lockHolder(REPO, prNumber)).toBeUndefined();
    } finally {
      h.deps.runner = original;
      ecs.restore();
    }
  });

  it('honours a repository label from .github/nightshift.yml once dispatch has read the config', async () => {
    await h.github.commitFiles(
      REPO,
      'main',
      { '.github/nightshift.yml': 'label: robot\ntest: node test.js\n' },
      'Own label',
    );
    try {
      const deployment = await label('alice', 'Deployment label');
      expect(deployment.task.status).toBe('cancelled');
      expect(deployment.task.error).toMatch(/not this repository's trigger label/);
      expect(await h.db.store.repoLabel(REPO)).toBe('robot');

      const issue = h.github.addIssue(REPO, { title: 'Own label', user: 'bob' });
      const payload = await h.payload('issues', 'labeled', {
        issue: { number: issue.number },
        label: { name: 'Robot' },
        sender: { login: 'alice' },
      });
      const answer = await h.deliver('issues', payload);
      expect(answer.statusCode, JSON.stringify(answer.body)).toBe(202);
      await h.dispatcher.idle();
      const task = (await h.tasks()).find((t) => t.target.number === issue.number);
      expect(task?.status).toBe('dispatched');
    } finally {
      await h.github.commitFiles(
        REPO,
        'main',
        { '.github/nightshift.yml': 'test: node test.js\n' },
        'Default label',
      );
    }
  });
});
