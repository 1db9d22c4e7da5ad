/**
 * Reliability per installation: how many of its tasks run at once, and how often a person without
 * permission is answered. Signed webhooks through the Lambda handler, the store on dynalite, the
 * fake GitHub; the runner records instead of starting containers, and a runner's end is the path
 * a real one takes (onRunnerStopped, as the local runner's exit and the ECS event call it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishTask } from '../../core/lifecycle.js';
import { isTerminal, type Task } from '../../core/task.js';
import { onRunnerStopped } from '../../functions/runner-stopped.js';
import { sweep } from '../../functions/sweeper/sweep.js';
import { REPO, startHarness, type Harness } from '../support/harness.js';
import { RecordingRunner, commentAs, labelIssue, waitFor } from './support.js';

const LIMIT = 5;

/** Records each start, and how many of the installation's slots were held at that moment. */
class SlotCountingRunner extends RecordingRunner {
  mostHeld = 0;
  failNext = false;
  constructor(private readonly held: (task: Task) => Promise<number>) {
    super();
  }
  override async start(task: Task): Promise<string> {
    this.mostHeld = Math.max(this.mostHeld, await this.held(task));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('RunTask failed: no capacity');
    }
    return super.start(task);
  }
}

describe('reliability: per installation', () => {
  let h: Harness;
  const runner = new SlotCountingRunner(
    async (task) => (await h.db.store.slotUsage(task.installationId)).running,
  );
  let prNumber: number;

  beforeAll(async () => {
    h = await startHarness({ runner, maxConcurrentTasks: LIMIT });
    const branch = 'nightshift/issue-91-installation';
    await h.github.commitFiles(REPO, branch, { 'math.js': 'exports.add = (a, b) => a + b;\n' }, 'Fix');
    prNumber = (await h.github.addPullRequest(REPO, { head: branch, title: 'Fix add' })).number;
  });
  afterAll(() => h.close());

  const tasksFor = async (number: number) => (await h.tasks()).filter((t) => t.target.number === number);
  const repliesTo = (login: string, number: number) =>
    h.github.comments(REPO, number).filter((c) => c.body.includes(`@${login},`));

  const comment = async (login: string, body: string, number = prNumber) =>
    (await commentAs(h, login, body, number)).answer;

  it('case 35: ten `/agent fix` comments from someone without write access → one polite reply per person per target per hour; the rest ignored, no work', async () => {
    h.github.setPermission(REPO, 'mallory', 'read');
    h.github.setPermission(REPO, 'eve', 'triage');
    const startedBefore = runner.started.length;

    // Ten at once: each is its own task, dispatched concurrently; one reply between them.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => comment('mallory', `/agent fix attempt ${i}`)),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(202));
    await h.dispatcher.idle();
    const refused = (await tasksFor(prNumber)).filter((t) => t.trigger.sender === 'mallory');
    expect(refused).toHaveLength(10);
    expect(refused.every((t) => t.status === 'failed' && t.result?.headline === 'Not permitted')).toBe(true);
    expect(repliesTo('mallory', prNumber)).toHaveLength(1);
    expect(repliesTo('mallory', prNumber)[0]?.body).toMatch(/write access/);

    // Someone else is answered once too; so is the first person on another target.
    await comment('eve', '/agent fix');
    await comment('eve', '/agent fix now');
    const { number: issue } = await labelIssue(h, { title: 'From mallory', login: 'mallory' });
    await h.dispatcher.idle();
    expect(repliesTo('eve', prNumber)).toHaveLength(1);
    expect(repliesTo('mallory', issue)).toHaveLength(1);

    // `/agent stop` from the same person on the same target within the hour: no new reply.
    await comment('mallory', '/agent stop');
    await h.dispatcher.idle();
    expect(repliesTo('mallory', prNumber)).toHaveLength(1);
    expect(runner.started.length).toBe(startedBefore);
  });

  it('case 34: 40 issues labelled at once with maxConcurrentTasks 5 → 5 runners; the others wait for a free slot, saying so, and start as tasks end, whatever ends them', async () => {
    const installationId = h.github.repo(REPO)!.installationId!;
    const labelled = await Promise.all(
      Array.from({ length: 40 }, (_, i) => labelIssue(h, { title: `Task ${i}` })),
    );
    expect(labelled.map((l) => l.answer.statusCode)).toEqual(Array(40).fill(202));
    const numbers = new Set(labelled.map((l) => l.number));
    const ours = async () => (await h.tasks()).filter((t) => numbers.has(t.target.number));
    await h.dispatcher.idle();

    const live = (tasks: Task[]) => tasks.filter((t) => t.status === 'dispatched' || t.status === 'running');
    let tasks = await ours();
    expect(live(tasks)).toHaveLength(LIMIT);
    expect(runner.started.filter((t) => numbers.has(t.target.number))).toHaveLength(LIMIT);
    const waiting = tasks.filter((t) => t.status === 'waiting');
    expect(waiting).toHaveLength(40 - LIMIT);
    expect(waiting.every((t) => t.waitingFor === 'slot')).toBe(true);
    expect(await h.db.store.slotUsage(installationId)).toEqual({ running: LIMIT, limit: LIMIT });
    // Where the person looks: the tracking comment says it waits for a free slot.
    const tracking = h.github
      .comments(REPO, waiting[0]!.target.number)
      .find((c) => c.id === waiting[0]!.trackingCommentId);
    expect(tracking?.body).toMatch(/Waiting for a free slot: 5 of this installation's tasks are running/);
    expect(tracking?.body).toMatch(/starts when one of them ends/);

    // A waiting task cancelled with /agent stop: ended, its target freed, no slot was its to give.
    const cancelled = waiting[waiting.length - 1]!;
    h.github.setPermission(REPO, 'alice', 'write');
    const stop = h.github.addComment(REPO, cancelled.target.number, { body: '/agent stop', user: 'alice' });
    await h.deliver(
      'issue_comment',
      await h.payload('issue_comment', 'created', {
        issue: { number: cancelled.target.number },
        comment: { id: stop.id },
        sender: { login: 'alice' },
      }),
    );
    await h.dispatcher.idle();
    expect((await h.db.store.load(cancelled.id)).status).toBe('cancelled');

    // Then the running tasks end, five at a time and concurrently, by each path that ends a task:
    // the agent ending it itself then its process exiting, the process dying, the sweeper
    // finding one never claimed, and a RunTask that fails in dispatch.
    let round = 0;
    for (;;) {
      tasks = await ours();
      const running = live(tasks);
      expect(running.length).toBeLessThanOrEqual(LIMIT);
      if (running.length === 0) break;
      round++;
      if (round === 2) runner.failNext = true; // the next start fails: dispatch ends that task
      await Promise.all(
        running.map(async (task, i) => {
          if (round === 3 && i === 0) {
            // The sweeper, 16 minutes on: dispatched and never claimed.
            const later = new Date(Date.now() + 16 * 60_000);
            await sweep({ ...h.deps, runner, now: () => later });
            return;
          }
          if (i % 2 === 0) {
            // The agent claims it, works, and ends it itself.
            const claimed = await h.db.store.transition(task, 'running');
            await finishTask(h.db.store, undefined, claimed, 'succeeded', {
              conclusion: 'success',
              headline: 'Done',
            });
          }
          await onRunnerStopped(h.deps, task.id, 'the process exited');
        }),
      );
      await h.dispatcher.idle();
      expect((await h.db.store.slotUsage(installationId)).running).toBeLessThanOrEqual(LIMIT);
    }

    tasks = await ours();
    expect(tasks.every((t) => isTerminal(t.status))).toBe(true);
    const started = runner.started.filter((t) => numbers.has(t.target.number));
    // Every task but the cancelled one and the one whose RunTask failed was started, never more
    // than five holding a slot at once; at the end, no slot is held.
    expect(new Set(started.map((t) => t.id)).size).toBe(40 - 2);
    expect(runner.mostHeld).toBeLessThanOrEqual(LIMIT);
    expect(
      tasks.filter((t) => t.error === 'Nightshift could not start the agent: RunTask failed: no capacity'),
    ).toHaveLength(1);
    expect(await h.db.store.slotUsage(installationId)).toEqual({ running: 0, limit: LIMIT });
    await waitFor('no task waiting', async () =>
      (await ours()).some((t) => t.status === 'waiting') ? undefined : true,
    );
  });
});
