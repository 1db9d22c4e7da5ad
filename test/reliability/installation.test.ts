/**
 * Reliability per installation: how many of its tasks run at once, and how often a person without
 * permission is answered. Signed webhooks through the Lambda handler, the store on dynalite, the
 * fake GitHub; the runner records instead of starting containers, and a runner's end is the path
 * a real one takes (onRunnerStopped, as the local runner's exit and the ECS event call it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startHarness, type Harness } from '../support/harness.js';
import { RecordingRunner, labelIssue } from './support.js';

describe('reliability: per installation', () => {
  let h: Harness;
  const runner = new RecordingRunner();
  let prNumber: number;

  beforeAll(async () => {
    h = await startHarness({ runner });
    const branch = 'nightshift/issue-91-installation';
    await h.github.commitFiles(REPO, branch, { 'math.js': 'exports.add = (a, b) => a + b;\n' }, 'Fix');
    prNumber = (await h.github.addPullRequest(REPO, { head: branch, title: 'Fix add' })).number;
  });
  afterAll(() => h.close());

  const tasksFor = async (number: number) => (await h.tasks()).filter((t) => t.target.number === number);
  const repliesTo = (login: string, number: number) =>
    h.github.comments(REPO, number).filter((c) => c.body.includes(`@${login},`));

  async function comment(login: string, body: string, number = prNumber) {
    const created = h.github.addComment(REPO, number, { body, user: login });
    const payload = await h.payload('issue_comment', 'created', {
      issue: { number },
      comment: { id: created.id },
      sender: { login },
    });
    return h.deliver('issue_comment', payload);
  }

  it('case 23: ten `/agent fix` comments from someone without write access → one polite reply per person per target per hour; the rest ignored, no work', async () => {
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
});
