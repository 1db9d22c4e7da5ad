import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../core/config.js';
import type { Task, Trigger, TriggerKind } from '../../../core/task.js';
import { TRIGGER_KINDS, triggerKind } from '../../../core/trigger-kinds/index.js';

/** Every kind, written out again: `satisfies` fails to compile when `TriggerKind` gains one. */
const ALL_KINDS = {
  issue_label: true,
  issue_comment: true,
  plan: true,
  go: true,
  pr_comment: true,
  review_comment: true,
  review: true,
  retry: true,
  ci_failure: true,
  cli: true,
} as const satisfies Record<TriggerKind, true>;

describe('the trigger-kind registry', () => {
  it('has one module for every trigger kind, registered under its own name', () => {
    expect(Object.keys(TRIGGER_KINDS).sort()).toEqual(Object.keys(ALL_KINDS).sort());
    for (const kind of Object.keys(ALL_KINDS) as TriggerKind[]) expect(triggerKind(kind).kind).toBe(kind);
  });

  it('lets only CI failures start without a person, on a pull request someone answers for', () => {
    const byApp = Object.values(TRIGGER_KINDS).filter((k) => k.startedBy === 'app');
    expect(byApp.map((k) => k.kind)).toEqual(['ci_failure']);
    expect(triggerKind('ci_failure').engineer).toHaveProperty('existingOnly');
  });

  it('says what a bare /agent fix gathers, and where a review comment is answered', () => {
    const bare = { kind: 'pr_comment' as const, text: '' };
    expect(triggerKind('pr_comment').gathers(bare, '')).toEqual({
      failingChecks: true,
      reviewThreads: { select: 'unreplied' },
    });
    const inline = { kind: 'review_comment' as const, text: 'rename it', commentId: 7 };
    expect(triggerKind('review_comment').replyTo(inline)).toEqual({ in: 'review_thread', commentId: 7 });
    expect(triggerKind('issue_label').instructions({ kind: 'issue_label', text: 'Title\n\nBody' })).toBe('');
  });

  it('admits a retry on the terms of the trigger it continues: its label, its review', async () => {
    const noCounters = { increment: () => Promise.reject(new Error('no budget for these kinds')) };
    const task = (trigger: Trigger) =>
      ({ repository: 'o/r', target: { kind: 'issue', number: 1 }, trigger }) as Task;
    const config = { ...DEFAULT_CONFIG, label: 'nightshift', reviewFix: false };
    const labelled: Trigger = { kind: 'issue_label', text: 'x', label: 'agent' };
    const review: Trigger = { kind: 'review', text: '', changesRequested: true };
    for (const trigger of [labelled, review]) {
      const own = await triggerKind(trigger.kind).admit?.(task(trigger), config, noCounters);
      const again = await triggerKind('retry').admit?.(
        task({ ...trigger, kind: 'retry' }),
        config,
        noCounters,
      );
      expect(own?.status).toBe('cancelled');
      expect(again).toEqual(own);
    }
    const asked = await triggerKind('retry').admit?.(
      task({ ...review, kind: 'retry', text: 'fix it' }),
      config,
      noCounters,
    );
    expect(asked).toBeUndefined();
  });
});
