import { describe, expect, it } from 'vitest';
import { PLAN_MARKER, addUsage, planCommentBody, planFromComment, withPlan } from '../../../core/plan.js';
import { triggerKind } from '../../../core/trigger-kinds/index.js';
import { DEFAULT_CONFIG } from '../../../core/config.js';

const usage = {
  inputTokens: 1000,
  outputTokens: 200,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0.12,
  turns: 3,
};

describe('the plan comment', () => {
  it('holds the plan, the spend so far and what to do next, and gives the plan back as people left it', () => {
    const body = planCommentBody('## Steps\n1. Do it.', usage, false);
    expect(body.startsWith(PLAN_MARKER)).toBe(true);
    expect(body).toContain("## Nightshift's plan\n");
    expect(body).toContain('Spend so far: 3 turns');
    expect(body).toContain('$0.12');
    expect(body).toContain('`/agent go');
    expect(planFromComment(body)).toBe('## Steps\n1. Do it.');
    const edited = body.replace('1. Do it.', '1. Do it.\n2. And this.');
    expect(planFromComment(edited)).toBe('## Steps\n1. Do it.\n2. And this.');
    expect(planCommentBody('x', { ...usage, costUsd: null }, true)).toContain("Nightshift's plan (revised)");
    // A comment whose footer a person removed still gives its text.
    expect(planFromComment(`${PLAN_MARKER}\n## Nightshift's plan\nJust this`)).toBe('Just this');
  });

  it('adds the spend of plan rounds, an unknown cost staying unknown', () => {
    expect(addUsage(usage, usage)).toMatchObject({ turns: 6, inputTokens: 2000, costUsd: 0.24 });
    expect(addUsage(usage, { ...usage, costUsd: null }).costUsd).toBeNull();
  });

  it('tells the agent what to do with the plan and the words', () => {
    expect(withPlan('to revise', 'P', 'shorter')).toBe(
      'Revise this plan (the current plan comment on the issue):\n\nP\n\nFeedback:\nshorter',
    );
    expect(withPlan('to carry out', 'P', '')).toBe(
      'Carry out this plan (the plan comment on the issue, as people left it):\n\nP',
    );
    expect(withPlan('to carry out', undefined, 'just do it')).toBe('just do it');
  });

  it('plans for the plan kind always, for the label only with plan: always, and never for the others', () => {
    const always = { ...DEFAULT_CONFIG, plan: 'always' as const };
    expect(triggerKind('plan').plans?.(DEFAULT_CONFIG)).toBe(true);
    expect(triggerKind('issue_label').plans?.(DEFAULT_CONFIG)).toBe(false);
    expect(triggerKind('issue_label').plans?.(always)).toBe(true);
    for (const kind of ['go', 'issue_comment', 'pr_comment', 'retry'] as const) {
      expect(triggerKind(kind).plans?.(always) ?? false).toBe(false);
    }
  });
});
