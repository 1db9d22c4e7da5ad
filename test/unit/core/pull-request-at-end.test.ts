import { describe, expect, it } from 'vitest';
import { hasRetryButton, pullRequestAtEnd, retryText } from '../../../core/pull-request-at-end.js';
import { finalOutput } from '../../../core/report.js';
import { task } from '../../support/task-fixture.js';

const START = 'a'.repeat(40);
const WORK = 'b'.repeat(40);
const failed = { conclusion: 'failure', headline: 'The agent failed', summary: 'It broke.' } as const;

/** An issue task that opened its draft on a new branch, ended as `status`. */
const issueTask = (overrides: Parameters<typeof task>[0] = {}) =>
  task({
    status: 'failed',
    checkRunId: 7,
    headSha: START,
    branch: 'nightshift/issue-12-x',
    result: { pullRequestNumber: 13, draftOpened: { startingCommitSha: START } },
    ...overrides,
  });

describe('pullRequestAtEnd', () => {
  it('closes a draft whose branch ends at its starting commit, explains one with work, keeps the rest', () => {
    expect(pullRequestAtEnd(issueTask())).toBe('close');
    expect(pullRequestAtEnd(issueTask({ headSha: undefined }))).toBe('close');
    expect(pullRequestAtEnd(issueTask({ headSha: WORK }))).toBe('explain');
    // Opened on a branch with earlier work: explained, never closed.
    expect(pullRequestAtEnd(issueTask({ result: { pullRequestNumber: 13, draftOpened: {} } }))).toBe(
      'explain',
    );
    // This task pushed work (its announcement is the text), or did not open the pull request.
    expect(
      pullRequestAtEnd(issueTask({ result: { pullRequestNumber: 13, draftOpened: {}, commitSha: WORK } })),
    ).toBe('keep');
    expect(pullRequestAtEnd(issueTask({ result: { pullRequestNumber: 13 } }))).toBe('keep');
    expect(pullRequestAtEnd(issueTask({ target: { kind: 'pull_request', number: 13 } }))).toBe('keep');
  });
});

describe('retry text and button', () => {
  it('offers the button only on a check run that stays on an open pull request', () => {
    expect(hasRetryButton(issueTask(), failed)).toBe(false);
    expect(hasRetryButton(issueTask({ headSha: WORK }), failed)).toBe(true);
    expect(hasRetryButton(issueTask({ headSha: WORK, checkRunId: undefined }), failed)).toBe(false);
    expect(hasRetryButton(issueTask({ headSha: WORK }), { conclusion: 'success' })).toBe(false);
    expect(finalOutput(issueTask(), failed).retryButton).toBe(false);
  });

  it('says what works where it is read', () => {
    const closed = issueTask({ config: { label: 'robot' } as never });
    expect(retryText(closed, failed, 'check_run')).toBe(
      'Nothing was pushed, so the draft pull request #13 was closed and its branch deleted. ' +
        'To run it again, remove the `robot` label from issue #12 and add it again.',
    );
    const kept = issueTask({ headSha: WORK });
    expect(retryText(kept, failed, 'check_run')).toBe('Press **Retry** to run this task again.');
    expect(retryText(kept, failed, 'comment')).toBe(
      'To run it again, press **Retry** on the `nightshift` check run of #13, or remove the `agent` label from issue #12 and add it again.',
    );
    const onPull = task({ status: 'failed', target: { kind: 'pull_request', number: 5 } });
    expect(retryText(onPull, failed, 'check_run')).toBe(
      'To run it again, comment `/agent fix` on pull request #5.',
    );
    expect(retryText(task(), { conclusion: 'success' }, 'check_run')).toBe('');
  });
});
