/**
 * End to end through `npm start`'s server in its own process: the three user flows, Retry,
 * `/agent stop`, and a SIGKILL mid-task followed by a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../core/task.js';
import { ANTHROPIC_KEY, CALC_FILES, REPO, WEBHOOK_SECRET } from '../support/harness.js';
import { payloadFor, startFakeGitHub, type FakeGitHub } from '../support/fake-github/index.js';
import { startLocalServer, type LocalServer } from '../support/local-server.js';
import {
  bash,
  done,
  editor,
  startScriptedModel,
  type ScriptedModel,
} from '../support/scripted-model/index.js';

const TERMINAL = ['succeeded', 'failed', 'cancelled'];

describe('npm start, end to end', () => {
  let github: FakeGitHub;
  let model: ScriptedModel;
  let server: LocalServer;

  beforeAll(async () => {
    github = await startFakeGitHub();
    model = await startScriptedModel();
    await github.addRepo({ owner: 'acme', name: 'calc', files: CALC_FILES });
    github.setPermission(REPO, 'alice', 'write');
    server = await startLocalServer({ github, model, secret: WEBHOOK_SECRET, anthropicKey: ANTHROPIC_KEY });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([github?.close(), model?.close()]);
  });

  async function waitFor(predicate: (tasks: Task[]) => Task | undefined, timeoutMs = 40_000): Promise<Task> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { store } = await server.store();
      const found = predicate(await store.listRecent(200));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out; server output:\n${server.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The task record ends before its check run is concluded on GitHub: wait for both. */
  async function concludedRun(checkRunId: number | undefined) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const run = github.checkRuns(REPO).find((r) => r.id === checkRunId);
      if (run?.status === 'completed') return run;
      if (Date.now() > deadline) throw new Error(`check run ${checkRunId} not concluded`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const ended =
    (number: number, after = 0) =>
    (tasks: Task[]) =>
      tasks.find(
        (t) =>
          t.target.number === number &&
          TERMINAL.includes(t.status) &&
          t.createdAt > new Date(after).toISOString(),
      );

  let prNumber = 0;

  it('label an issue `agent` → tracking comment, draft PR closing it, check run success, PR assigned to the labeller', async () => {
    const issue = github.addIssue(REPO, {
      title: 'add() is wrong',
      body: 'add(2, 3) should be 5',
      user: 'bob',
    });
    model.push(
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      bash('node test.js'),
      done('Fixed add() to add.'),
    );
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    const answer = await server.deliver('issues', payload);
    expect(answer.status).toBeLessThan(300);
    const task = await waitFor(ended(issue.number));
    expect(task.status).toBe('succeeded');
    expect(github.comments(REPO, issue.number).some((c) => c.body.includes('Nightshift'))).toBe(true);
    const pr = github.pullRequests(REPO)[0];
    if (!pr) throw new Error('no PR');
    prNumber = pr.number;
    expect(pr.draft).toBe(true);
    expect(pr.headRef).toMatch(/^nightshift\/issue-/);
    expect(github.issue(REPO, pr.number)?.body).toContain(`Closes #${issue.number}`);
    expect(github.issue(REPO, pr.number)?.assignees).toEqual(['alice']);
    const head = await github.branchSha(REPO, pr.headRef);
    expect(await concludedRun(task.checkRunId)).toMatchObject({
      name: 'nightshift',
      headSha: head,
      conclusion: 'success',
    });
  });

  it('`/agent fix <instructions>` on that PR → a new commit doing it, a reply naming the commit, a check run on the new head', async () => {
    const pr = github.pullRequest(REPO, prNumber);
    if (!pr) throw new Error('no PR');
    const before = await github.branchSha(REPO, pr.headRef);
    const comment = github.addComment(REPO, prNumber, {
      body: '/agent fix add a subtract function too',
      user: 'alice',
    });
    model.push((request) => {
      expect(JSON.stringify(request.body.system)).toContain('add a subtract function too');
      return editor({
        command: 'create',
        path: 'subtract.js',
        file_text: 'exports.subtract = (a, b) => a - b;\n',
      });
    }, done('Added subtract().'));
    const started = Date.now();
    const payload = await payloadFor(github, REPO, 'issue_comment', 'created', {
      issue: { number: prNumber },
      comment: { id: comment.id },
      sender: { login: 'alice' },
    });
    expect((await server.deliver('issue_comment', payload)).status).toBeLessThan(300);
    const task = await waitFor(ended(prNumber, started - 1000));
    expect(task.status).toBe('succeeded');
    const after = await github.branchSha(REPO, pr.headRef);
    expect(after).not.toBe(before);
    expect(await github.readFile(REPO, pr.headRef, 'subtract.js')).toContain('subtract');
    const log = await github.log(REPO, pr.headRef);
    expect(log[1]?.sha ?? log.map((c) => c.sha)).toBeDefined();
    // The reply follows the conclusion.
    const replyTo = () =>
      github.comments(REPO, prNumber).find((c) => c.body.includes(after?.slice(0, 7) ?? 'none'));
    for (let waited = 0; !replyTo() && waited < 20_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    expect(replyTo()?.body).toContain('@alice');
    expect(await concludedRun(task.checkRunId)).toMatchObject({
      name: 'nightshift',
      headSha: after,
      conclusion: 'success',
    });
    expect(github.reactions({ subjectId: comment.id }).map((r) => r.content)).toContain('eyes');
  });

  it('a task whose checks fail → failure with a Retry button on its open pull request; pressing it → a new task that succeeds', async () => {
    const issue = github.addIssue(REPO, { title: 'Rename the package', user: 'bob' });
    // The agent renames but leaves add() broken: `node test.js` fails after it and after each of
    // the two verify rounds, so the work is pushed with failing checks.
    model.push(
      editor({ command: 'str_replace', path: 'README.md', old_str: '# calc', new_str: '# calculator' }),
      done('Renamed.'),
      done('Renamed; the test is not mine.'),
      done('Renamed.'),
    );
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    await server.deliver('issues', payload);
    const failed = await waitFor(ended(issue.number));
    expect(failed.status).toBe('failed');
    expect(failed.result?.headline).toBe('Pushed, but the checks fail');
    const run = await concludedRun(failed.checkRunId);
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run?.actions.map((a) => a.identifier)).toEqual(['retry']);

    model.push(
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      done('Fixed add() too.'),
    );
    const retry = await payloadFor(github, REPO, 'check_run', 'requested_action', {
      check_run: { id: run?.id },
      requested_action: { identifier: 'retry' },
      sender: { login: 'alice' },
    });
    expect((await server.deliver('check_run', retry)).status).toBeLessThan(300);
    const retried = await waitFor((tasks) =>
      tasks.find((t) => t.retryOf === failed.id && TERMINAL.includes(t.status)),
    );
    expect(retried.status, retried.error).toBe('succeeded');
    expect(retried.trigger.kind).toBe('retry');
  });

  it('`/agent stop` during a run → cancelled', async () => {
    const issue = github.addIssue(REPO, { title: 'Slow work', user: 'bob' });
    const requestsBefore = model.requests.length;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    model.push(bash('sleep 0.2'), async () => {
      await held;
      return bash('echo still here');
    });
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    await server.deliver('issues', payload);
    await waitFor((tasks) => (model.requests.length >= requestsBefore + 2 ? tasks[0] : undefined));
    const stop = github.addComment(REPO, issue.number, { body: '/agent stop', user: 'alice' });
    const stopPayload = await payloadFor(github, REPO, 'issue_comment', 'created', {
      issue: { number: issue.number },
      comment: { id: stop.id },
      sender: { login: 'alice' },
    });
    await server.deliver('issue_comment', stopPayload);
    await waitFor((tasks) => tasks.find((t) => t.target.number === issue.number && t.cancelRequested));
    release();
    const task = await waitFor(ended(issue.number));
    expect(task.status, task.error).toBe('cancelled');
    expect(model.remaining).toBe(0);
  });

  it('SIGKILL mid-task, then restart → the orphan ends failed with its check run concluded, and a new trigger runs', async () => {
    const issue = github.addIssue(REPO, { title: 'Killed mid-task', user: 'bob' });
    let unblock: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (unblock = r));
    // The second turn answers only after the kill, to a client that is gone.
    model.push(bash('sleep 0.1'), () => blocked.then(() => ({ error: 500 })));
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    await server.deliver('issues', payload);
    const running = await waitFor((tasks) =>
      tasks.find(
        (t) =>
          t.target.number === issue.number &&
          t.status === 'running' &&
          t.usage.turns >= 0 &&
          t.checkRunId !== undefined,
      ),
    );

    await waitFor((tasks) => (model.remaining === 0 ? tasks[0] : undefined));
    await server.kill('SIGKILL');
    unblock();
    server = await startLocalServer({
      github,
      model,
      secret: WEBHOOK_SECRET,
      anthropicKey: ANTHROPIC_KEY,
      dataDir: server.dataDir,
    });
    const orphan = await waitFor((tasks) =>
      tasks.find((t) => t.id === running.id && TERMINAL.includes(t.status)),
    );
    expect(orphan.status).toBe('failed');
    expect(orphan.error).toMatch(/restarted/);
    expect(await concludedRun(orphan.checkRunId)).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
    });
    const { store } = await server.store();
    expect(await store.lockHolder(REPO, issue.number)).toBeUndefined();

    model.push(
      editor({ command: 'create', path: 'NOTES.md', file_text: 'notes\n' }),
      editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
      done('Added notes.'),
    );
    const again = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    await server.deliver('issues', again);
    const next = await waitFor((tasks) =>
      tasks.find(
        (t) => t.target.number === issue.number && t.id !== running.id && TERMINAL.includes(t.status),
      ),
    );
    expect(next.status, next.error).toBe('succeeded');
  });
});
