/**
 * Reliability between the webhook and the agent: repeated intents, GitHub's rate limits and 5xx
 * answers, a crash between recording and dispatching, refused senders, and ECS RunTask failures.
 * Signed webhooks through the Lambda handler, the store on dynalite, the fake GitHub; the runner
 * records instead of starting containers (nothing here needs the agent itself).
 */
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAppEnv } from '../../core/env.js';
import { commentMarker } from '../../core/report.js';
import { isTerminal, type Task } from '../../core/task.js';
import { createProbot } from '../../functions/probot.js';
import { onRunnerStopped } from '../../functions/runner-stopped.js';
import { EcsRunner } from '../../functions/runners/ecs-runner.js';
import { sweep } from '../../functions/sweeper/sweep.js';
import { signedDelivery } from '../support/fake-github/index.js';
import { REPO, WEBHOOK_SECRET, startHarness, type Harness } from '../support/harness.js';
import {
  RecordingDispatcher,
  RecordingRunner,
  commentAs,
  functionUrlEvent,
  labelIssue,
  silent,
  startFlakyProxy,
  waitFor,
  webhookContainer,
} from './support.js';

const MINUTE = 60_000;

describe('reliability: intake and dispatch', () => {
  let h: Harness;
  const runner = new RecordingRunner();
  let prNumber: number;
  let headSha: string;
  const branch = 'nightshift/issue-90-reliability';

  beforeAll(async () => {
    h = await startHarness({ runner });
    headSha = await h.github.commitFiles(
      REPO,
      branch,
      { 'math.js': 'exports.add = (a, b) => a + b;\n' },
      'Fix',
    );
    prNumber = (await h.github.addPullRequest(REPO, { head: branch, title: 'Fix add' })).number;
  });
  afterAll(() => h.close());

  const tasksFor = async (number: number) => (await h.tasks()).filter((t) => t.target.number === number);
  const liveOn = async (number: number) => (await tasksFor(number)).filter((t) => !isTerminal(t.status));

  const comment = (login: string, body: string, number = prNumber) => commentAs(h, login, body, number);

  /** End every live task on the PR, as a finished runner would, so the next test starts clean. */
  async function endLiveOn(number: number) {
    for (const task of await liveOn(number)) await onRunnerStopped(h.deps, task.id, 'test clean-up');
    await h.dispatcher.idle();
    for (const task of await liveOn(number)) await onRunnerStopped(h.deps, task.id, 'test clean-up');
    await h.dispatcher.idle();
  }

  it('case 4: the same intent through different deliveries (label re-added, edited comment, double-clicked button) → one task per business key', async () => {
    // A label removed and added again while the task runs: the same task.
    const { number, answer } = await labelIssue(h, { title: 'Re-labelled' });
    expect(answer.statusCode).toBe(202);
    await h.dispatcher.idle();
    const [first] = await tasksFor(number);
    expect(first?.status).toBe('dispatched');
    const unlabeled = await h.payload('issues', 'unlabeled', {
      issue: { number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('issues', unlabeled)).body.status).toBe('ignored');
    const relabeled = await h.payload('issues', 'labeled', {
      issue: { number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    const again = await h.deliver('issues', relabeled);
    expect(again.statusCode).toBe(200);
    expect(again.body).toMatchObject({ status: 'duplicate', taskId: first?.id });
    expect(await tasksFor(number)).toHaveLength(1);
    // Once that task has ended, labelling again is a new request: the key is per live intent.
    await onRunnerStopped(h.deps, first?.id ?? '', 'finished');
    const later = await h.deliver('issues', relabeled);
    expect(later.body.status).toBe('created');
    await h.dispatcher.idle();
    expect(await tasksFor(number)).toHaveLength(2);

    // An edited `/agent fix` comment, and the same comment delivered again: still one task.
    const fix = await comment('alice', '/agent fix use a loop');
    expect(fix.answer.statusCode).toBe(202);
    const edited = await h.payload('issue_comment', 'edited', {
      issue: { number: prNumber },
      comment: { id: fix.id, body: '/agent fix use a loop, and a test' },
      changes: { body: { from: '/agent fix use a loop' } },
      sender: { login: 'alice' },
    });
    expect((await h.deliver('issue_comment', edited)).body.status).toBe('ignored');
    expect((await h.deliver('issue_comment', fix.payload)).body.status).toBe('duplicate');
    await h.dispatcher.idle();
    const fixTasks = (await tasksFor(prNumber)).filter((t) => t.trigger.commentId === fix.id);
    expect(fixTasks).toHaveLength(1);
    await endLiveOn(prNumber);

    // A double-clicked Retry button: two deliveries, one retry.
    const original = (await tasksFor(prNumber)).find((t) => t.trigger.commentId === fix.id) as Task;
    const run = await h.github.addCheckRun(REPO, {
      name: 'nightshift',
      headSha,
      conclusion: 'failure',
      app: h.github.ownApp,
      externalId: original.id,
    });
    const click = await h.payload('check_run', 'requested_action', {
      check_run: { id: run.id },
      requested_action: { identifier: 'retry' },
      sender: { login: 'alice' },
    });
    const [one, two] = await Promise.all([h.deliver('check_run', click), h.deliver('check_run', click)]);
    expect([one.body.status, two.body.status].sort()).toEqual(['created', 'duplicate']);
    await h.dispatcher.idle();
    expect((await tasksFor(prNumber)).filter((t) => t.retryOf === original.id)).toHaveLength(1);

    // A double-clicked Cancel button: cancelled once, concluded once.
    const retry = (await tasksFor(prNumber)).find((t) => t.retryOf === original.id) as Task;
    const retryRun = h.github.checkRuns(REPO).find((r) => r.externalId === retry.id);
    const cancel = await h.payload('check_run', 'requested_action', {
      check_run: { id: retryRun?.id ?? 0 },
      requested_action: { identifier: 'cancel' },
      sender: { login: 'alice' },
    });
    await Promise.all([h.deliver('check_run', cancel), h.deliver('check_run', cancel)]);
    await h.dispatcher.idle();
    const cancelled = await h.db.store.load(retry.id);
    expect(cancelled.cancelRequested).toBe(true);
    expect((await liveOn(prNumber)).map((t) => t.id)).toEqual([retry.id]);
    await endLiveOn(prNumber);
  });

  it('case 5: a GitHub 429 or secondary rate limit during intake → the webhook answers within its budget; dispatch waits as GitHub asks and goes on', async () => {
    h.github.failNext({
      path: 'repos/get-collaborator-permission-level',
      status: 429,
      headers: { 'retry-after': '1' },
    });
    h.github.failNext({
      method: 'POST',
      path: 'issues/create-comment',
      status: 403,
      headers: { 'retry-after': '1' },
    });
    const started = Date.now();
    const { number, answer } = await labelIssue(h, { title: 'Rate limited' });
    const answeredIn = Date.now() - started;
    expect(answer.statusCode).toBe(202);
    // Intake makes no GitHub call: GitHub's limits cannot slow the answer (GitHub waits 10 s).
    expect(answeredIn).toBeLessThan(1000);
    await h.dispatcher.idle();
    const dispatchedIn = Date.now() - started;
    const [task] = await tasksFor(number);
    expect(task?.status).toBe('dispatched');
    // It waited `retry-after` (1 s) once for each limit, then went on.
    expect(dispatchedIn).toBeGreaterThanOrEqual(2000);
    const statuses = (operationId: string) =>
      h.github
        .callsTo(operationId)
        .filter((c) => c.path.includes(`/issues/${number}/`) || c.query.username === 'alice')
        .map((c) => c.status);
    expect(statuses('issues/create-comment')).toEqual([403, 201]);
    expect(h.github.callsTo('repos/get-collaborator-permission-level').map((c) => c.status)).toContain(429);
    expect(h.github.comments(REPO, number).filter((c) => c.user.endsWith('[bot]'))).toHaveLength(1);
    expect(runner.started.map((t) => t.id)).toContain(task?.id);
  });

  it('case 6: a crash between recording a task and dispatching it → the sweeper dispatches or fails it; none is forgotten', async () => {
    // The webhook records the task, then its dispatch invoke fails: the Lambda answers 500.
    const down = new RecordingDispatcher();
    down.failing = true;
    const crashing = webhookContainer({ github: h.github, db: h.db, dispatcher: down });
    const issue = h.github.addIssue(REPO, { title: 'Lost dispatch', user: 'bob' });
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    const delivery = signedDelivery('issues', payload, WEBHOOK_SECRET, { deliveryId: 'lost-dispatch-1' });
    expect((await crashing(functionUrlEvent(delivery))).statusCode).toBe(500);
    // GitHub redelivers: the delivery is known, so nothing dispatches it again.
    const redelivered = await h.deliver('issues', payload, { deliveryId: 'lost-dispatch-1' });
    expect(redelivered.body.status).toBe('duplicate');
    await h.dispatcher.idle();
    const [lost] = await tasksFor(issue.number);
    expect(lost?.status).toBe('queued');

    // The sweeper, a few minutes later, dispatches it.
    const soon = await sweep({ ...h.deps, runner, now: () => new Date(Date.now() + 3 * MINUTE) });
    expect(soon.redispatched).toContain(lost?.id);
    await h.dispatcher.idle();
    const dispatched = await h.db.store.load(lost?.id ?? '');
    expect(dispatched.status).toBe('dispatched');
    expect(runner.started.map((t) => t.id)).toContain(lost?.id);

    // Another one lost, found only after an hour: failed, and the person told on the issue. The
    // first, dispatched but never claimed by a runner, is failed and its runner stopped.
    const other = h.github.addIssue(REPO, { title: 'Lost for an hour', user: 'bob' });
    const otherPayload = await h.payload('issues', 'labeled', {
      issue: { number: other.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    expect(
      (await crashing(functionUrlEvent(signedDelivery('issues', otherPayload, WEBHOOK_SECRET)))).statusCode,
    ).toBe(500);
    const [stale] = await tasksFor(other.number);
    const late = await sweep({ ...h.deps, runner, now: () => new Date(Date.now() + 61 * MINUTE) });
    await h.dispatcher.idle();
    expect(late.failed).toEqual(expect.arrayContaining([stale?.id, lost?.id]));
    expect((await h.db.store.load(stale?.id ?? '')).status).toBe('failed');
    const told = h.github
      .comments(REPO, other.number)
      .find((c) => c.body.includes(commentMarker(stale?.id ?? '', 'tracking')));
    expect(told?.body).toMatch(/could not start/i);
    const never = await h.db.store.load(lost?.id ?? '');
    expect(never.status).toBe('failed');
    expect(never.error).toMatch(/never started/);
    expect(runner.stopped).toContain(dispatched.runnerId);
    // Nothing of ours is left in flight.
    const inFlight = (await h.tasks()).filter((t) => ['queued', 'dispatched'].includes(t.status));
    expect(inFlight.map((t) => t.id)).not.toEqual(expect.arrayContaining([lost?.id, stale?.id]));
  });

  it('case 7: a label or comment from a user with triage or read permission, or from a bot or another App → no work (a reply to a person, silence to a bot)', async () => {
    h.github.setPermission(REPO, 'tri', 'triage');
    h.github.setPermission(REPO, 'reader', 'read');
    const startedBefore = runner.started.length;

    const { number } = await labelIssue(h, { title: 'From triage', login: 'tri' });
    const fromReader = await comment('reader', '/agent fix please');
    await h.dispatcher.idle();
    const refusedLabel = await tasksFor(number);
    expect(refusedLabel.map((t) => t.status)).toEqual(['failed']);
    expect(h.github.comments(REPO, number).filter((c) => c.body.includes('@tri'))).toHaveLength(1);
    expect(h.github.comments(REPO, number).find((c) => c.body.includes('@tri'))?.body).toMatch(
      /write access/,
    );
    const readerTask = (await tasksFor(prNumber)).find((t) => t.trigger.commentId === fromReader.id);
    expect(readerTask?.status).toBe('failed');
    expect(h.github.comments(REPO, prNumber).filter((c) => c.body.includes('@reader'))).toHaveLength(1);

    // A bot's label, and another App's `/agent fix` comment: ignored at the door, no reply.
    const botIssue = h.github.addIssue(REPO, { title: 'From a bot', user: 'bob' });
    const botLabel = await h.payload('issues', 'labeled', {
      issue: { number: botIssue.number },
      label: { name: 'agent' },
      sender: { login: 'dependabot[bot]', type: 'Bot' },
    });
    expect((await h.deliver('issues', botLabel)).body.status).toBe('ignored');
    const appComment = h.github.addComment(REPO, prNumber, {
      body: '/agent fix everything',
      user: 'other-app[bot]',
    });
    const appPayload = await h.payload('issue_comment', 'created', {
      issue: { number: prNumber },
      comment: {
        id: appComment.id,
        performed_via_github_app: { id: 999_001, slug: 'other-app', name: 'Other' },
      },
      sender: { login: 'other-app[bot]', type: 'Bot' },
    });
    expect((await h.deliver('issue_comment', appPayload)).body.status).toBe('ignored');
    await h.dispatcher.idle();
    expect(await tasksFor(botIssue.number)).toEqual([]);
    expect((await tasksFor(prNumber)).some((t) => t.trigger.commentId === appComment.id)).toBe(false);
    expect(h.github.comments(REPO, botIssue.number)).toEqual([]);
    expect(h.github.comments(REPO, prNumber).some((c) => /dependabot|other-app/.test(c.body))).toBe(false);
    expect(runner.started.length).toBe(startedBefore);
  });

  it('case 12: RunTask throttled or answering with `failures` → retried, each refusal with the next clientToken; the check run stays queued; a persistent refusal that is not for capacity → failed with the reason', async () => {
    const ecs = mockClient(ECSClient);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    ecs
      .on(RunTaskCommand)
      .rejectsOnce(throttled)
      .resolvesOnce({ tasks: [], failures: [{ reason: 'RESOURCE:CPU', detail: 'no capacity' }] })
      .resolves({ tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:1:task/nightshift/abc' }] });
    const seenWhileRetrying: Array<string | undefined> = [];
    const toldWhileRetrying: Array<string | null | undefined> = [];
    const ecsRunner = (attempts: number) =>
      new EcsRunner({
        client: new ECSClient({
          region: 'us-east-1',
          credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
        }),
        cluster: 'nightshift',
        taskDefinition: 'agent:1',
        containerName: 'agent',
        subnets: ['subnet-1'],
        securityGroups: ['sg-1'],
        assignPublicIp: true,
        attempts,
        sleep: async () => {
          // Between attempts: what does the person see on the pull request?
          const live = (await liveOn(prNumber))[0];
          const run = h.github.checkRuns(REPO).find((r) => r.id === live?.checkRunId);
          seenWhileRetrying.push(run?.status);
          toldWhileRetrying.push(run?.output.summary);
        },
      });
    const original = h.deps.runner;
    h.deps.runner = ecsRunner(5);
    try {
      await endLiveOn(prNumber);
      const { id } = await comment('alice', '/agent fix with ecs');
      await h.dispatcher.idle();
      const task = (await tasksFor(prNumber)).find((t) => t.trigger.commentId === id) as Task;
      expect(task.status).toBe('dispatched');
      expect(task.runnerId).toBe('arn:aws:ecs:us-east-1:1:task/nightshift/abc');
      const calls = ecs.commandCalls(RunTaskCommand);
      expect(calls).toHaveLength(3);
      // ECS answers a reused token with its first answer for 24 hours: a refusal takes a new one.
      const tokens = calls.map((c) => c.args[0].input.clientToken ?? '');
      expect(new Set(tokens).size).toBe(3);
      for (const token of tokens) expect(token.startsWith(`ns-${task.id}-`)).toBe(true);
      expect(seenWhileRetrying).toEqual(['queued', 'queued']);
      // …and says why it has not started yet.
      expect(toldWhileRetrying[0]).toMatch(
        /Waiting for a runner \(attempt 1\): ThrottlingException: Rate exceeded/,
      );
      expect(toldWhileRetrying[1]).toMatch(
        /Waiting for a runner \(attempt 2\): RESOURCE:CPU \(no capacity\)/,
      );
      await endLiveOn(prNumber);

      // A refusal that is not for capacity, every time: failed with the reason (capacity waits:
      // test/reliability/capacity.test.ts).
      ecs.reset();
      ecs
        .on(RunTaskCommand)
        .resolves({ tasks: [], failures: [{ reason: 'AGENT: the agent is disconnected' }] });
      h.deps.runner = ecsRunner(3);
      const second = await comment('alice', '/agent fix again with ecs');
      await h.dispatcher.idle();
      const failed = (await tasksFor(prNumber)).find((t) => t.trigger.commentId === second.id) as Task;
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/after 3 attempts: AGENT: the agent is disconnected/);
      const run = h.github.checkRuns(REPO).find((r) => r.id === failed.checkRunId);
      expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
      expect(run?.output.summary).toMatch(/the agent is disconnected/);
      expect(await h.db.store.lockHolder(REPO, prNumber)).toBeUndefined();
    } finally {
      h.deps.runner = original;
      ecs.restore();
    }
  });

  it('case 18: a comment or check-run update retried after a 502 → no duplicate comment (a marker or external_id identifies ours)', async () => {
    const proxy = await startFlakyProxy(h.github.url);
    const env = readAppEnv({
      APP_ID: String(h.github.appId),
      PRIVATE_KEY: h.github.privateKey,
      WEBHOOK_SECRET,
      GITHUB_API_URL: proxy.url,
    });
    const viaProxy = createProbot(env, silent);
    const direct = h.deps.octokitFor;
    h.deps.octokitFor = (id) => viaProxy.auth(id);
    try {
      await endLiveOn(prNumber);
      // The tracking comment is created on GitHub, but the answer is lost in a 502.
      proxy.answerAfter({ method: 'POST', path: /\/issues\/\d+\/comments$/, status: 502 });
      const { number } = await labelIssue(h, { title: 'Comment answered 502' });
      await h.dispatcher.idle();
      const [task] = await tasksFor(number);
      expect(proxy.substituted).toHaveLength(1);
      expect(task?.status).toBe('dispatched');
      const tracking = h.github
        .comments(REPO, number)
        .filter((c) => c.body.includes(commentMarker(task?.id ?? '', 'tracking')));
      expect(tracking).toHaveLength(1);
      expect(task?.trackingCommentId).toBe(tracking[0]?.id);

      // A 502 before GitHub did anything: the create is tried again, still once on GitHub.
      h.github.failNext({ method: 'POST', path: 'issues/create-comment', status: 502 });
      const refused = await labelIssue(h, { title: 'Comment refused 502', login: 'reader' });
      await h.dispatcher.idle();
      expect(h.github.comments(REPO, refused.number).filter((c) => c.body.includes('@reader'))).toHaveLength(
        1,
      );

      // The check run on a pull request: created, answered 502, found again by its external_id.
      proxy.answerAfter({ method: 'POST', path: /\/check-runs$/, status: 502 });
      const { id } = await comment('alice', '/agent fix after a 502');
      await h.dispatcher.idle();
      const prTask = (await tasksFor(prNumber)).find((t) => t.trigger.commentId === id) as Task;
      const runs = h.github.checkRuns(REPO).filter((r) => r.externalId === prTask.id);
      expect(runs).toHaveLength(1);
      expect(prTask.checkRunId).toBe(runs[0]?.id);

      // Its conclusion (an update) answered 502 after it happened: retried, one run, concluded.
      proxy.answerAfter({ method: 'PATCH', path: /\/check-runs\/\d+$/, status: 502 });
      await onRunnerStopped(h.deps, prTask.id, 'exit code 137');
      const concluded = await waitFor('the check run to be concluded', () =>
        h.github.checkRuns(REPO).find((r) => r.id === prTask.checkRunId && r.status === 'completed'),
      );
      expect(concluded.conclusion).toBe('failure');
      expect(h.github.checkRuns(REPO).filter((r) => r.externalId === prTask.id)).toHaveLength(1);
      expect(proxy.substituted.map((s) => s.method)).toEqual(['POST', 'POST', 'PATCH']);
    } finally {
      h.deps.octokitFor = direct;
      await proxy.close();
    }
  });
});
