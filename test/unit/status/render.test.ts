import { describe, expect, it } from 'vitest';
import { renderStatusPage } from '../../../core/status/render-status-page.js';
import { renderTable } from '../../../core/status/render-table.js';
import { renderTaskDetails } from '../../../core/status/render-task-details.js';
import { taskRow } from '../../../core/status/task-row.js';
import { terminalSafe } from '../../../core/status/terminal-safe.js';
import { NOW, ago, task, usage } from '../../support/task-fixture.js';

describe('renderTable', () => {
  it('aligns the columns, numbers to the right', () => {
    const rows = [
      taskRow(task({ id: 'T1', result: { pullRequestUrl: 'https://github.com/octo/app/pull/34' } }), NOW),
      taskRow(
        task({
          id: 'T2',
          repository: 'octo/library',
          target: { kind: 'pull_request', number: 7 },
          trigger: { kind: 'pr_comment', text: '' },
          engineer: 'bob',
          status: 'running',
          finishedAt: undefined,
          startedAt: ago(0, 3),
          usage: usage({ turns: 12, costUsd: null }),
        }),
        NOW,
      ),
    ];
    expect(renderTable(rows)).toBe(
      [
        'ID  TARGET          TRIGGER      WHO    STATUS     DURATION  TURNS  TOKENS     COST  PR',
        'T1  octo/app#12     issue_label  alice  succeeded    2m 05s      4   10.0k    $0.25  https://github.com/octo/app/pull/34',
        'T2  octo/library!7  pr_comment   bob    running          3s     12   10.0k  unknown',
        '',
      ].join('\n'),
    );
  });

  it('says so when there are no tasks', () => {
    expect(renderTable([])).toBe('No tasks yet.\n');
  });

  it('defuses terminal escape sequences and line breaks in untrusted cells', () => {
    const table = renderTable([taskRow(task({ engineer: 'eve\u001b]0;owned\u0007\nx' }), NOW)]);
    expect(table).not.toContain('\u001b');
    expect(table).not.toContain('\u0007');
    expect(table.split('\n')).toHaveLength(3);
  });
});

describe('terminalSafe', () => {
  it('keeps text, tabs and newlines; replaces control characters', () => {
    expect(terminalSafe('a\tb\nc\r\nd\u001b[2Je\u009b')).toBe('a\tb\nc\nd�[2Je�');
    expect(terminalSafe('a\tb\nc', { singleLine: true })).toBe('a b c');
  });
});

describe('renderStatusPage', () => {
  const tasks = [
    task({
      id: 'T1',
      repository: 'octo/app',
      engineer: 'alice',
      createdAt: ago(1),
      result: { pullRequestUrl: 'https://github.com/octo/app/pull/34' },
    }),
    task({
      id: 'T2',
      repository: 'octo/lib',
      engineer: 'bob',
      createdAt: ago(20),
      usage: usage({ costUsd: null }),
    }),
  ];

  it('is a self-contained page that refreshes every 10 seconds', () => {
    const html = renderStatusPage(tasks, NOW);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<meta http-equiv="refresh" content="10">');
    expect(html).not.toMatch(/<script|<link|src=/i);
  });

  it('lists the recent tasks with their columns and pull request links', () => {
    const html = renderStatusPage(tasks, NOW);
    expect(html).toContain('<td>octo/app#12</td>');
    expect(html).toContain('<td>issue_label</td>');
    expect(html).toContain('2m 05s');
    expect(html).toContain('$0.25');
    expect(html).toContain('<a href="https://github.com/octo/app/pull/34">#34</a>');
    expect(html).toContain('<a href="/api/tasks/T1">T1</a>');
  });

  it('shows the spend per repository and per engineer, unknown costs as a lower bound', () => {
    const html = renderStatusPage(tasks, NOW);
    expect(html).toContain('Per repository');
    expect(html).toContain('Per engineer');
    expect(html).toContain('<td>octo/lib</td>');
    expect(html).toContain('<td>bob</td>');
    expect(html).toContain('≥ $0.00 (some unknown)');
    expect(html).toContain('Last 7 days');
    expect(html).toContain('Last 30 days');
  });

  it('escapes untrusted text: a script in an engineer name or a target never runs', () => {
    const html = renderStatusPage(
      [
        task({
          engineer: '<script>alert(1)</script>',
          repository: 'octo/"><script>alert(2)</script>',
          result: { pullRequestUrl: 'javascript:alert(3)' },
        }),
      ],
      NOW,
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('octo/&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;#12');
  });

  it('says when spend may be undercounted', () => {
    expect(renderStatusPage(tasks, NOW, { truncated: true })).toContain(
      'Spend counts the newest 2 tasks only',
    );
  });

  it('shows only the newest tasks in the table but counts all of them in the spend', () => {
    const html = renderStatusPage(tasks, NOW, { recentLimit: 1 });
    expect(html).toContain('>T1<');
    expect(html).not.toContain('>T2<');
    expect(html).toContain('<td>bob</td>');
  });
});

describe('renderTaskDetails', () => {
  it('prints the record as key/value lines and the progress log', () => {
    const text = renderTaskDetails(
      task({
        id: 'T9',
        target: { kind: 'pull_request', number: 34 },
        trigger: { kind: 'cli', text: 'rename the helper\nand update callers', sender: 'alice' },
        branch: 'nightshift/pr-34',
        result: {
          pullRequestUrl: 'https://github.com/octo/app/pull/34',
          commitSha: 'abc123',
          summary: 'Renamed.',
        },
      }),
      [
        { at: '2030-06-29T12:00:01.000Z', phase: 'preparing', message: 'Cloning octo/app' },
        { at: '2030-06-29T12:01:00.000Z', phase: 'working', message: 'Ran npm test\u001b[31m' },
      ],
      NOW,
    );
    expect(text).toContain('Task          T9\n');
    expect(text).toContain('Target        octo/app!34 (pull request #34)\n');
    expect(text).toContain('Trigger       cli by alice\n');
    expect(text).toContain('Instructions  rename the helper\n              and update callers\n');
    expect(text).toContain('Usage         4 turns · 9.5k input tokens');
    expect(text).toContain('Pull request  https://github.com/octo/app/pull/34\n');
    expect(text).toContain('Commit        abc123\n');
    expect(text).toContain('Progress log (UTC)\n  2030-06-29 12:00:01  preparing  Cloning octo/app\n');
    expect(text).toContain('  2030-06-29 12:01:00  working    Ran npm test�[31m\n');
    expect(text).not.toContain('Error');
  });

  it('prints the error of a failed task and an empty log', () => {
    const text = renderTaskDetails(task({ status: 'failed', error: 'clone failed' }), [], NOW);
    expect(text).toContain('Status        failed\n');
    expect(text).toContain('Error         clone failed\n');
    expect(text).toContain('(no entries yet)');
  });
});
