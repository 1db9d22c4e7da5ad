/**
 * What a person reads while a task runs, through the real path: the check run's title moves
 * forward only (queued → preparing → working, turn n → verifying → the end), each
 * phase is in the progress log once, recent actions name paths as the repository does (not the
 * temporary workspace), and the `/agent fix` reply says its summary once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal, type Task } from '../../../core/task.js';
import { REPO, startHarness, type Harness } from '../../support/harness.js';
import type { CallRecord } from '../../support/fake-github/types.js';
import {
  bash,
  done,
  editor,
  toolResultsOf,
  type RecordedRequest,
} from '../../support/scripted-model/index.js';

/** Where a title stands in a task's life, derived from the words alone: larger is later. */
function position(title: string): number {
  const match =
    /^(Queued|Waiting|Preparing|Setting up|Working|Verifying|Publishing)(?: · turn (\d+)(?:\/\d+)?)?$/.exec(
      title,
    );
  if (!match) throw new Error(`not a progress title: "${title}"`);
  const order = ['Queued', 'Waiting', 'Preparing', 'Setting up', 'Working', 'Verifying', 'Publishing'];
  const rank = order.indexOf(match[1] ?? '');
  // From the first turn on, the turn leads: a verify round that fails sends the agent back to work.
  return rank < order.indexOf('Working') ? rank : 100 + Number(match[2] ?? 0) * 10 + rank;
}

/** The titles of check-run writes in the order GitHub received them, up to each run's end. */
function progressTitles(calls: CallRecord[]): string[] {
  return calls
    .filter((c) => c.operationId === 'checks/create' || c.operationId === 'checks/update')
    .map((c) => c.body as { status?: string; output?: { title?: string } })
    .filter((body) => body.status !== 'completed' && body.output?.title !== undefined)
    .map((body) => body.output?.title ?? '');
}

/** The workspace, from the answer to the agent's `pwd`. */
function workspaceOf(request: RecordedRequest): string {
  const answer = toolResultsOf(request)[0]?.text ?? '';
  const ws = answer.split('\n')[0]?.trim() ?? '';
  if (!ws.startsWith('/')) throw new Error(`pwd answered "${answer}"`);
  return ws;
}

describe('progress as a person reads it', () => {
  let h: Harness;
  let issueTask: Task;
  let workspace = '';

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  async function ended(number: number, after = new Set<string>()): Promise<Task> {
    await h.settle();
    return h.waitForTask((t) => t.target.number === number && isTerminal(t.status) && !after.has(t.id));
  }

  it('an issue task: titles never go backwards, each phase logged once, actions relative to the repository', async () => {
    const issue = h.github.addIssue(REPO, { title: 'add() is wrong', body: 'add(2, 3) is 5', user: 'bob' });
    const slow = async () => new Promise((resolve) => setTimeout(resolve, 150));
    h.model.push(
      bash('pwd'),
      async (request) => {
        workspace = workspaceOf(request);
        await slow();
        return editor({ command: 'view', path: `${workspace}/math.js` });
      },
      async () => {
        await slow();
        return editor({
          command: 'str_replace',
          path: `${workspace}/math.js`,
          old_str: 'a - b',
          new_str: 'a + b',
        });
      },
      async () => {
        await slow();
        return bash(`cd ${workspace} && node test.js`);
      },
      done('Fixed add().'),
    );
    const callsBefore = h.github.calls.length;
    await h.label(issue.number);
    issueTask = await ended(issue.number);
    expect(issueTask.status, issueTask.error).toBe('succeeded');

    const titles = progressTitles(h.github.calls.slice(callsBefore));
    const positions = titles.map(position);
    expect(positions, titles.join(' → ')).toEqual([...positions].sort((a, b) => a - b));
    // The turn moves on in the title; which turns are shown depends on the reporter's pacing (the
    // newest report wins within an interval), so under load a given turn may be skipped.
    expect(
      titles.some((t) => /^Working · turn [2-5]\/12$/.test(t)),
      titles.join(' → '),
    ).toBe(true);
    // Progress stops when publishing starts: the check run's next title is the result.
    expect(titles.at(-1)).toMatch(/^(Verifying|Working)/);
    expect(titles).not.toContain('Starting');

    const log = await h.db.store.readLog(issueTask.id);
    const messages = log.map((entry) => `${entry.phase} ${entry.message}`);
    expect(
      messages.filter((m) => m === 'preparing Reading the repository and its configuration'),
    ).toHaveLength(1);
    expect(new Set(messages).size).toBe(messages.length);
    expect(messages).toContain('working view math.js');
    expect(messages).toContain('working bash: cd . && node test.js');

    const runs = h.github.checkRuns(REPO);
    const shown = JSON.stringify([
      messages,
      titles,
      runs.map((r) => r.output),
      h.github.calls.map((c) => c.body),
    ]);
    expect(workspace).not.toBe('');
    expect(shown).not.toContain(workspace);
  });

  it('`/agent fix` on its pull request: the reply names the commit and says the summary once', async () => {
    const prNumber = issueTask.result?.pullRequestNumber ?? 0;
    const summary = 'Added subtract() beside add().';
    h.model.push(
      editor({ command: 'create', path: 'subtract.js', file_text: 'exports.s = (a, b) => a - b;\n' }),
      done(summary),
    );
    const comment = h.github.addComment(REPO, prNumber, { body: '/agent fix add subtract', user: 'alice' });
    const callsBefore = h.github.calls.length;
    await h.deliver(
      'issue_comment',
      await h.payload('issue_comment', 'created', {
        issue: { number: prNumber },
        comment: { id: comment.id },
        sender: { login: 'alice' },
      }),
    );
    const task = await ended(prNumber, new Set([issueTask.id]));
    expect(task.status, task.error).toBe('succeeded');
    const reply = h.github.comments(REPO, prNumber).find((c) => c.body.includes('nightshift:reply'));
    expect(reply?.body).toContain(`@alice pushed ${task.result?.commitSha?.slice(0, 7)}.`);
    expect(reply?.body.split(summary)).toHaveLength(2);

    const titles = progressTitles(h.github.calls.slice(callsBefore));
    const positions = titles.map(position);
    expect(positions, titles.join(' → ')).toEqual([...positions].sort((a, b) => a - b));
    expect(titles[0]).toBe('Queued');
  });
});
