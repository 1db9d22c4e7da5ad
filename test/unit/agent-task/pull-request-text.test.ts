import { describe, expect, it } from 'vitest';
import { diffAnchor } from '../../../core/changed-files.js';
import { pullRequestBody } from '../../../agent-task/pull-request-text.js';
import { trimLog } from '../../../agent-task/task-context.js';
import { task } from '../../support/task-fixture.js';

describe('publishing text', () => {
  it("lists the pull request's files as a person reads them, linked to its files view", () => {
    const body = pullRequestBody({
      issueNumber: 1,
      summary: 'Fix camelCase\n\nDetails.',
      files: [{ kind: 'changed', path: 'index.js', additions: 2, deletions: 1 }],
      pullRequestUrl: 'https://github.example.com/acme/calc/pull/4',
      checks: [],
      task: task(),
    });
    expect(body).toContain(
      `## Files changed\n\n1 file, +2 -1 lines: 1 changed.\n\n- [\`index.js\`](https://github.example.com/acme/calc/pull/4/files#${diffAnchor('index.js')}) changed, +2 -1\n`,
    );
    expect(body).not.toMatch(/\bM\t/);
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
