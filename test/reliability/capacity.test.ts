/**
 * Reliability of the first deploy and the first week: a task dispatched twice at once, a Fargate
 * quota refusal, the deployment-wide cap, and runners past the hard maximum. Signed webhooks
 * through the Lambda handler, the store on dynalite, the fake GitHub; dispatch messages are
 * handled one by one by the test (so two can be handled at once), and ECS is aws-sdk-client-mock.
 */
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DispatchMessage } from '../../core/ports.js';
import { commentMarker } from '../../core/report.js';
import { isTerminal, type Task } from '../../core/task.js';
import { RUNNER_STOP_FAILURES } from '../../functions/alarm-metrics.js';
import { handleDispatchMessage } from '../../functions/dispatch/dispatch.js';
import { onRunnerStopped } from '../../functions/runner-stopped.js';
import { EcsRunner } from '../../functions/runners/ecs-runner.js';
import { LocalRunner } from '../../functions/runners/local-runner.js';
import { sweep } from '../../functions/sweeper/sweep.js';
import { REPO, startHarness, type Harness } from '../support/harness.js';
import { RecordingRunner, commentAs, labelIssue, silent } from './support.js';

const MINUTE = 60_000;
const VCPU_QUOTA =
  "You've reached the limit on the number of vCPUs you can run concurrently. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";

describe('reliability: capacity, duplicates and the hard maximum', () => {
  let h: Harness;
  const runner = new RecordingRunner();
  let handled = 0;
  let prNumber: number;
  const ecs = mockClient(ECSClient);

  beforeAll(async () => {
    h = await startHarness({ runner, dispatch: false });
    const branch = 'nightshift/issue-92-capacity';
    await h.github.commitFiles(REPO, branch, { 'math.js': 'exports.add = (a, b) => a + b;\n' }, 'Fix');
    prNumber = (await h.github.addPullRequest(REPO, { head: branch, title: 'Fix add' })).number;
  });
  afterAll(async () => {
    ecs.restore();
    await h.close();
  });
  afterEach(async () => {
    h.deps.runner = runner;
    delete h.deps.maxDeploymentTasks;
    ecs.reset();
    // End whatever is still live, as a finished runner would, so the next case starts clean.
    for (let i = 0; i < 3; i++) {
      for (const task of (await h.tasks()).filter((t) => !isTerminal(t.status)))
        await onRunnerStopped(h.deps, task.id, 'test clean-up');
      await drain();
    }
  });

  /** Hand every dispatch message sent so far (and those they send) to dispatch, in order. */
  async function drain(): Promise<void> {
    await h.dispatcher.idle();
    while (handled < h.sent.length) {
      await handleDispatchMessage(h.deps, h.sent[handled++] as DispatchMessage);
      await h.dispatcher.idle();
    }
  }
  const tasksFor = async (number: number) => (await h.tasks()).filter((t) => t.target.number === number);
  const checkRunOf = (task: Task | undefined) =>
    h.github.checkRuns(REPO).find((r) => r.id === task?.checkRunId);

  function ecsRunner(): EcsRunner {
    return new EcsRunner({
      client: new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
      cluster: 'nightshift',
      taskDefinition: 'agent:1',
      containerName: 'agent',
      subnets: ['subnet-1'],
      securityGroups: ['sg-1'],
      assignPublicIp: false,
      attempts: 3,
      sleep: async () => undefined,
    });
  }

  it('two dispatches of one task at once (an async invoke delivered twice, the sweeper) → one runner started, the task not failed', async () => {
    const { number, answer } = await labelIssue(h, { title: 'Dispatched twice' });
    expect(answer.statusCode).toBe(202);
    await h.dispatcher.idle();
    const message = h.sent[handled++] as DispatchMessage;
    expect(message.type).toBe('dispatch');
    await Promise.all([handleDispatchMessage(h.deps, message), handleDispatchMessage(h.deps, message)]);
    await drain();
    const [task] = await tasksFor(number);
    expect(task?.status).toBe('dispatched');
    expect(task?.error).toBeUndefined();
    expect(runner.started.filter((t) => t.id === task?.id)).toHaveLength(1);
    expect(task?.runnerId).toBe(`fake:${task?.id}`);
    expect(await h.db.store.lockHolder(REPO, number)).toBe(task?.id);
    const tracking = h.github
      .comments(REPO, number)
      .filter((c) => c.body.includes(commentMarker(task?.id ?? '', 'tracking')));
    expect(tracking).toHaveLength(1);

    // The same message once more, after the runner started (a late retry of the invoke): nothing.
    await handleDispatchMessage(h.deps, message);
    expect(runner.started.filter((t) => t.id === task?.id)).toHaveLength(1);
    expect((await h.db.store.load(task?.id ?? '')).status).toBe('dispatched');
  });

  it('a Fargate vCPU quota refusal → the task waits queued, the check run says why, and it starts when the sweeper finds capacity back', async () => {
    h.deps.runner = ecsRunner();
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: VCPU_QUOTA }] });
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    const { id } = await commentAs(h, 'alice', '/agent fix within the quota', prNumber);
    await drain();
    const waiting = (await tasksFor(prNumber)).find((t) => t.trigger.commentId === id);
    expect(waiting).toMatchObject({ status: 'waiting', waitingFor: 'capacity' });
    expect(waiting?.error).toBeUndefined();
    const run = checkRunOf(waiting);
    expect(run?.status).toBe('queued');
    expect(run?.output.summary).toMatch(
      /Waiting for capacity: the account's quota: You've reached the limit/,
    );
    // A quota does not change in seconds: one RunTask, no retries within the dispatch.
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);

    // A sweep before the quota is raised: it tries again and waits again, still saying why.
    await sweep({ ...h.deps, now: () => new Date(Date.now() + 3 * MINUTE) });
    await drain();
    expect((await h.db.store.load(waiting?.id ?? '')).status).toBe('waiting');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(2);

    // The quota raised: the next sweep starts it.
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:1:task/nightshift/q1' }] });
    const report = await sweep({ ...h.deps, now: () => new Date(Date.now() + 6 * MINUTE) });
    expect(report.promoted).toContain(waiting?.id);
    await drain();
    const started = await h.db.store.load(waiting?.id ?? '');
    expect(started).toMatchObject({
      status: 'dispatched',
      runnerId: 'arn:aws:ecs:us-east-1:1:task/nightshift/q1',
    });
    expect(started.waitingFor).toBeUndefined();
    expect(checkRunOf(started)?.status).toBe('queued');
    // Each try was a new request to ECS, never the replay of a refused token.
    const tokens = ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('the deployment-wide cap (NIGHTSHIFT_MAX_DEPLOYMENT_TASKS) → never more than N at once; the extra task waits queued and starts when one ends', async () => {
    h.deps.maxDeploymentTasks = 2;
    const before = runner.started.length;
    const numbers: number[] = [];
    for (const title of ['Cap one', 'Cap two', 'Cap three'])
      numbers.push((await labelIssue(h, { title })).number);
    await drain();
    const tasks = (await Promise.all(numbers.map(tasksFor))).flat();
    expect(tasks.map((t) => t.status).sort()).toEqual(['dispatched', 'dispatched', 'waiting']);
    expect(runner.started.length - before).toBe(2);
    expect((await h.db.store.slotUsage('deployment')).running).toBe(2);
    const extra = tasks.find((t) => t.status === 'waiting') as Task;
    expect(extra.waitingFor).toBe('capacity');
    const told = h.github.comments(REPO, extra.target.number).find((c) => c.id === extra.trackingCommentId);
    expect(told?.body).toMatch(
      /2 tasks of this Nightshift deployment are running.*NIGHTSHIFT_MAX_DEPLOYMENT_TASKS/s,
    );

    // One ends: its slot is given back in the same write, and the waiting task starts.
    const first = tasks.find((t) => t.status === 'dispatched') as Task;
    await onRunnerStopped(h.deps, first.id, 'finished');
    await drain();
    expect((await h.db.store.load(extra.id)).status).toBe('dispatched');
    expect(runner.started.length - before).toBe(3);
    expect((await h.db.store.slotUsage('deployment')).running).toBe(2);
  });

  it('a runner past the hard maximum → stopped by the sweeper whatever the store says; a StopTask that fails → the alarm metric (EMF) is written', async () => {
    h.deps.runner = ecsRunner();
    const { number } = await labelIssue(h, { title: 'Runs for ever' });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/old' }] });
    await drain();
    const [task] = await tasksFor(number);
    expect(task?.status).toBe('dispatched');
    const now = Date.now();
    const hours = (n: number) => new Date(now - n * 60 * MINUTE);
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/old', 'arn:task/orphan', 'arn:task/young'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        // 2 h 31 min: past the default maximum (120 minutes) and the grace (30).
        {
          taskArn: 'arn:task/old',
          startedAt: new Date(now - 151 * MINUTE),
          tags: [{ key: 'nightshift:task', value: task?.id ?? '' }],
        },
        // No task in the store at all: stopped all the same.
        { taskArn: 'arn:task/orphan', createdAt: hours(5) },
        {
          taskArn: 'arn:task/young',
          startedAt: hours(1),
          tags: [{ key: 'nightshift:task', value: 'T-young' }],
        },
      ],
    });
    const denied = Object.assign(new Error('User is not authorized to perform: ecs:StopTask'), {
      name: 'AccessDeniedException',
    });
    ecs.on(StopTaskCommand, { task: 'arn:task/orphan' }).rejects(denied);
    ecs.on(StopTaskCommand, { task: 'arn:task/old' }).resolves({});
    const written: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    let report;
    try {
      report = await sweep({ ...h.deps });
    } finally {
      stdout.mockRestore();
    }
    expect(report.stopped).toEqual(['arn:task/old']);
    const stops = ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input);
    expect(stops.map((s) => s.task).sort()).toEqual(['arn:task/old', 'arn:task/orphan']);
    expect(stops[0]?.reason).toMatch(/maximum of 120 minutes/);
    // Its task was ended first, saying why.
    const ended = await h.db.store.load(task?.id ?? '');
    expect(ended.status).toBe('failed');
    expect(ended.result?.conclusion).toBe('timed_out');
    expect(ended.error).toMatch(/longer than the deployment's maximum of 120 minutes/);
    // The failed stop: one EMF line CloudWatch turns into the alarm's metric.
    const emf = written
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) => JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } },
      );
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      service: 'nightshift',
      [RUNNER_STOP_FAILURES]: 1,
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'Nightshift',
            Dimensions: [['service']],
            Metrics: [{ Name: RUNNER_STOP_FAILURES, Unit: 'Count' }],
          },
        ],
      },
    });
  });

  it("locally, a child past the hard maximum is killed by the sweeper's same step", async () => {
    const exits: string[] = [];
    const children = new LocalRunner({
      env: { PATH: process.env.PATH },
      tokens: async () => ({ ok: false, code: 'failed', message: 'none here' }),
      log: silent,
      onExit: (_taskId, exit) => void exits.push(exit.reason),
      command: [process.execPath, '-e', 'setTimeout(() => {}, 60_000)'],
    });
    const { number } = await labelIssue(h, { title: 'A local child for ever' });
    h.deps.runner = children;
    await drain();
    const [task] = await tasksFor(number);
    expect(task?.runnerId).toMatch(/^local:\d+$/);
    expect(children.running).toBe(1);
    // The store says it is running with a live lease (a worker that heartbeats but never ends).
    await h.db.store.transition(task as Task, 'running', {
      leaseOwner: `${task?.runnerId}:w`,
      leaseExpiresAt: new Date(Date.now() + 24 * 60 * MINUTE).toISOString(),
    });
    // An hour later: not yet.
    expect((await sweep({ ...h.deps, now: () => new Date(Date.now() + 60 * MINUTE) })).stopped).toEqual([]);
    const report = await sweep({ ...h.deps, now: () => new Date(Date.now() + 151 * MINUTE) });
    expect(report.stopped).toEqual([task?.runnerId]);
    await children.drain(5_000);
    expect(exits).toEqual(['its process was killed by SIGTERM']);
    expect((await h.db.store.load(task?.id ?? '')).status).toBe('failed');
  });
});
