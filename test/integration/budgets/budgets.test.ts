/**
 * Monthly budgets through the real path: signed webhooks, dispatch, the agent's real SDK against
 * the scripted model (which prices each turn exactly: $1 per million input tokens), the spend
 * counters in the store. A budget at 80% shows on the tracking comment; a task that arrives while
 * another has spent the budget is refused with a reply and makes no model request; a repository's
 * own file cannot raise the installation's budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetMonth, budgetResetsAt } from '../../../core/budget.js';
import { isTerminal } from '../../../core/task.js';
import { payloadFor } from '../../support/fake-github/index.js';
import { CALC_FILES, REPO, startHarness, type Harness } from '../../support/harness.js';
import { bash, done, type ReplyStep } from '../../support/scripted-model/index.js';

const MODEL = 'budget-test-model';
const config = (monthlyUsd: number) =>
  `model: ${MODEL}\nprices:\n  ${MODEL}: { input: 1, output: 0, cacheWrite: 0, cacheRead: 0 }\n` +
  `budget:\n  monthlyUsd: ${monthlyUsd}\nlimits:\n  turns: 12\n`;
const priced = (step: ReplyStep, inputTokens: number): ReplyStep => ({
  ...step,
  usage: {
    input_tokens: inputTokens,
    output_tokens: 1,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  },
});
const BIG = 'acme/big';

describe('monthly budgets', () => {
  let h: Harness;
  const month = budgetMonth(new Date());
  const resets = budgetResetsAt(new Date()).toISOString().slice(0, 10);

  beforeAll(async () => {
    h = await startHarness({ files: { ...CALC_FILES, '.github/nightshift.yml': config(1) } });
    await h.github.addRepo({
      owner: 'acme',
      name: 'big',
      files: { ...CALC_FILES, '.github/nightshift.yml': config(1000) },
    });
    h.github.setPermission(BIG, 'alice', 'write');
  });
  afterAll(() => h.close());

  async function label(repo: string, title: string) {
    const issue = h.github.addIssue(repo, { title, body: 'Fix it.', user: 'bob' });
    const payload = await payloadFor(h.github, repo, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    const answer = await h.deliver('issues', payload);
    expect(answer.body.status).toBe('created');
    return { number: issue.number, taskId: answer.body.status === 'created' ? answer.body.taskId : '' };
  }
  const ended = (taskId: string) => h.waitForTask((t) => t.id === taskId && isTerminal(t.status));
  async function until(check: () => Promise<boolean>, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('says so on the tracking comment and the check run once 80% of the budget is spent', async () => {
    // $0.85 already spent this month in the repository, by an earlier task's usage.
    const earlier = await h.db.store.create({
      repository: REPO,
      installationId: ((await h.payload('issues', 'labeled')) as { installation: { id: number } })
        .installation.id,
      target: { kind: 'issue', number: 999 },
      trigger: { kind: 'cli', text: '' },
      engineer: 'alice',
    });
    const spent = await h.db.store.update(earlier, { usage: { ...earlier.usage, costUsd: 0.85, turns: 1 } });
    await h.db.store.transition(spent, 'cancelled');
    expect(await h.db.store.monthSpend('repository', REPO, month)).toBeCloseTo(0.85, 10);

    h.model.push(priced(done('Nothing to change.'), 0));
    const { number, taskId } = await label(REPO, 'Rename a variable');
    await h.settle();
    const task = await ended(taskId);
    expect(task.budgetNotice).toContain('85%');
    const tracking = h.github.comments(REPO, number).find((c) => c.body.includes('**Nightshift**'));
    expect(tracking?.body).toContain(`Budget: 85% of this repository's monthly budget ($1.00`);
    expect(tracking?.body).toContain(`resets on ${resets}`);
    const run = h.github.checkRuns(REPO).find((r) => r.id === task.checkRunId);
    expect(run?.output?.summary).toContain("Budget: 85% of this repository's monthly budget");
  });

  it('refuses a task that arrives while another has spent the budget, with a reply and no model request', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The first task's first turn costs $1.00; its second waits until the second task is refused.
    let held = false;
    h.model.push(priced(bash('echo working'), 1_000_000), async () => {
      held = true;
      await gate;
      return priced(done('Done.'), 0);
    });
    const first = await label(REPO, 'Make add() add');
    // Its spend recorded and its second request held: every request it makes so far is counted.
    await until(async () => held && (await h.db.store.monthSpend('repository', REPO, month)) >= 1.85 - 1e-9);
    const requestsBefore = h.model.requests.length;

    const second = await label(REPO, 'Second task while the budget is spent');
    const refused = await ended(second.taskId);
    expect(refused).toMatchObject({
      status: 'cancelled',
      result: { refused: true, headline: 'Monthly budget reached' },
    });
    expect(refused.runnerId).toBeUndefined();
    const reply = h.github
      .comments(REPO, second.number)
      .map((c) => c.body)
      .join('\n');
    expect(reply).toContain('@alice, Nightshift did not start this task: $1.85 of');
    expect(reply).toContain("this repository's monthly budget ($1.00, `budget.monthlyUsd`)");
    expect(reply).toContain(`It resets on ${resets} (UTC)`);
    expect(h.model.requests.length).toBe(requestsBefore);
    expect(JSON.stringify(h.model.requests)).not.toContain('Second task while the budget is spent');

    // The running task finishes within its own limits.
    release();
    await h.settle();
    expect((await ended(first.taskId)).status).not.toBe('failed');
    expect(await h.db.store.monthSpend('repository', REPO, month)).toBeCloseTo(1.85, 10);
    expect(await h.db.store.monthSpend('installation', String(refused.installationId), month)).toBeCloseTo(
      1.85,
      10,
    );
  });

  it("checks the installation's budget whatever a repository's file says", async () => {
    h.deps.installationMonthlyUsd = 1.5;
    try {
      const requestsBefore = h.model.requests.length;
      // acme/big allows itself $1000 a month; the installation has spent $1.85 of its $1.50.
      const { number, taskId } = await label(BIG, 'Spend more');
      const refused = await ended(taskId);
      expect(refused).toMatchObject({ status: 'cancelled', result: { refused: true } });
      const reply = h.github
        .comments(BIG, number)
        .map((c) => c.body)
        .join('\n');
      expect(reply).toContain(
        "$1.85 of this installation's monthly budget ($1.50, NIGHTSHIFT_INSTALLATION_MONTHLY_USD)",
      );
      expect(h.model.requests.length).toBe(requestsBefore);
    } finally {
      delete h.deps.installationMonthlyUsd;
    }
  });
});
