import { describe, expect, it } from 'vitest';
import { branchForIssue, commitMessage } from '../../../agent-task/pull-request-text.js';
import { trimLog } from '../../../agent-task/task-context.js';

describe('publishing text', () => {
  it('names issue branches nightshift/issue-<n>-<slug>', () => {
    expect(branchForIssue(12, 'Fix: add() returns the DIFFERENCE!')).toBe(
      'nightshift/issue-12-fix-add-returns-the-difference',
    );
    expect(branchForIssue(3, '')).toBe('nightshift/issue-3');
    expect(branchForIssue(4, 'x'.repeat(100)).length).toBeLessThanOrEqual('nightshift/issue-4-'.length + 40);
  });

  it('credits the responsible engineer with a Co-authored-by trailer', () => {
    const message = commitMessage('Fix add (#12)', 'Changed a - b to a + b.', 'alice');
    expect(message).toMatch(
      /^Fix add \(#12\)\n\nChanged a - b to a \+ b\.\n\nCo-authored-by: alice <alice@users\.noreply\.github\.com>\n$/,
    );
  });

  it('keeps the end of a CI log without timestamps or group markers', () => {
    const log = [
      '2026-01-01T00:00:00.0000000Z ##[group]Run npm test',
      '2026-01-01T00:00:01.0000000Z FAIL test/a.test.js',
      '##[endgroup]',
      '',
      'Error: expected 5',
    ].join('\n');
    expect(trimLog(log)).toBe('FAIL test/a.test.js\nError: expected 5');
  });
});
