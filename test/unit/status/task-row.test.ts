import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../core/status/format-duration.js';
import { taskRow } from '../../../core/status/task-row.js';
import { NOW, ago, task, usage } from '../../support/task-fixture.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [-5000, '0s'],
    [59_999, '59s'],
    [125_000, '2m 05s'],
    [3_600_000 + 7 * 60_000 + 3000, '1h 07m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d 04h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('taskRow', () => {
  it('shows a finished issue task with its columns', () => {
    const row = taskRow(
      task({
        id: 'T1',
        result: { pullRequestUrl: 'https://github.com/octo/app/pull/34', pullRequestNumber: 34 },
      }),
      NOW,
    );
    expect(row).toEqual({
      id: 'T1',
      target: 'octo/app#12',
      trigger: 'issue_label',
      engineer: 'alice',
      requester: 'alice',
      who: 'alice',
      status: 'succeeded',
      statusLabel: 'succeeded',
      createdAt: ago(1),
      durationMs: 125_000,
      duration: '2m 05s',
      turns: 4,
      tokens: 10_000,
      tokensLabel: '10.0k',
      costUsd: 0.25,
      cost: '$0.25',
      pullRequestUrl: 'https://github.com/octo/app/pull/34',
    });
  });

  it('shows who asked where it is not the responsible engineer', () => {
    const row = taskRow(task({ engineer: 'alice', requester: 'bob' }), NOW);
    expect(row).toMatchObject({ engineer: 'alice', requester: 'bob', who: 'alice (asked by bob)' });
    // A record from before requesters were kept was charged to its engineer.
    expect(taskRow(task({ engineer: 'carol' }), NOW).requester).toBe('carol');
  });

  it('labels a pull request target with "!"', () => {
    expect(taskRow(task({ target: { kind: 'pull_request', number: 34 } }), NOW).target).toBe('octo/app!34');
  });

  it('counts a running task up to now, from its start', () => {
    const row = taskRow(task({ status: 'running', startedAt: ago(0, 65), finishedAt: undefined }), NOW);
    expect(row.duration).toBe('1m 05s');
  });

  it('counts a queued task from its creation', () => {
    const row = taskRow(
      task({ status: 'queued', createdAt: ago(0, 30), startedAt: undefined, finishedAt: undefined }),
      NOW,
    );
    expect(row.duration).toBe('30s');
  });

  it('ends a finished task without finishedAt at its last update', () => {
    const row = taskRow(
      task({ status: 'failed', startedAt: ago(0, 100), updatedAt: ago(0, 40), finishedAt: undefined }),
      NOW,
    );
    expect(row.duration).toBe('1m 00s');
  });

  it('says "unknown" for a cost without a price, never $0', () => {
    const row = taskRow(task({ usage: usage({ costUsd: null }) }), NOW);
    expect(row.costUsd).toBeNull();
    expect(row.cost).toBe('unknown');
  });

  it('shows a pending cancel request', () => {
    const row = taskRow(task({ status: 'running', cancelRequested: true, finishedAt: undefined }), NOW);
    expect(row.statusLabel).toBe('running (cancelling)');
    expect(taskRow(task({ status: 'cancelled', cancelRequested: true }), NOW).statusLabel).toBe('cancelled');
  });

  it('has no pull request link when the task made none', () => {
    expect(taskRow(task(), NOW)).not.toHaveProperty('pullRequestUrl');
  });
});
