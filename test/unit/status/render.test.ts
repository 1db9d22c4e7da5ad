import { describe, expect, it } from 'vitest';
import { renderStatusPage } from '../../../core/status/render-status-page.js';
import { renderTable } from '../../../core/status/render-table.js';
import { renderTaskPage } from '../../../core/status/render-task-page.js';
import { githubWebUrl } from '../../../core/status/task-cells.js';
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

  it('lists the recent tasks: when (exact time on hover), GitHub links, triggers in words, costs, its page', () => {
    const html = renderStatusPage(tasks, NOW);
    expect(html).toContain(
      '<time datetime="2030-06-29T12:00:00.000Z" title="2030-06-29 12:00:00 UTC">1 d ago</time>',
    );
    expect(html).toContain(
      '<a href="https://github.com/octo/app/issues/12" title="issue #12">octo/app#12</a>',
    );
    expect(html).toContain('<td class="trigger">label</td>');
    expect(html).toContain('2m 05s');
    expect(html).toContain('$0.25');
    expect(html).toContain('<a href="https://github.com/octo/app/pull/34">#34</a>');
    expect(html).toContain('<a href="/status/tasks/T1" title="T1">T1</a>');
    expect(html).not.toContain('/api/tasks/T1');
  });

  it('links a pull request target as #n, fills its PR column, and uses the GitHub it is given', () => {
    const html = renderStatusPage(
      [
        task({
          target: { kind: 'pull_request', number: 7 },
          trigger: { kind: 'pr_comment', text: 'fix it', sender: 'alice' },
        }),
        task({ trigger: { kind: 'ci_failure', text: '' } }),
        task({ trigger: { kind: 'review_comment', text: '', sender: 'carol' } }),
        task({ trigger: { kind: 'review', text: '' } }),
      ],
      NOW,
      { githubUrl: 'https://ghe.example.com' },
    );
    expect(html).toContain(
      '<a href="https://ghe.example.com/octo/app/pull/7" title="pull request #7">octo/app#7</a>',
    );
    expect(html).toContain('<td><a href="https://ghe.example.com/octo/app/pull/7">#7</a></td>');
    expect(html).not.toContain('!7');
    expect(html).toContain('<td class="trigger"><code>/agent fix</code></td>');
    expect(html).toContain('<td class="trigger">CI failure</td>');
    expect(html).toContain('<td class="trigger"><code>/agent fix</code> (inline) by carol</td>');
    expect(html).toContain('<td class="trigger">review</td>');
    expect(githubWebUrl('https://api.github.com')).toBe('https://github.com');
    expect(githubWebUrl('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
  });

  it('shows why a task failed or was refused, counts refusals apart, and a cost below a cent as such', () => {
    const html = renderStatusPage(
      [
        task({ usage: usage({ costUsd: 0.0021 }) }),
        task({
          status: 'failed',
          error: 'The agent stopped: 400 prompt is malformed',
          result: { conclusion: 'failure', headline: 'The agent failed', summary: 'prompt is malformed' },
        }),
        task({
          status: 'failed',
          startedAt: undefined,
          usage: usage({
            costUsd: 0,
            turns: 0,
            inputTokens: 0,
            outputTokens: 0,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
          }),
          result: {
            conclusion: 'failure',
            headline: 'Not permitted',
            summary: 'eve has read access',
            refused: true,
          },
        }),
        task({ status: 'running', finishedAt: undefined }),
      ],
      NOW,
    );
    expect(html).toContain('<td class="num">&lt;$0.01</td>');
    expect(html).not.toMatch(/\$0\.00<\/td>[^]*\$0\.00<\/td>/);
    expect(html).toContain(
      '<span class="status status-failed">failed</span><div class="reason" title="prompt is malformed">The agent failed</div>',
    );
    expect(html).toContain(
      '<span class="status status-refused">refused</span><div class="reason" title="eve has read access">Not permitted</div>',
    );
    expect(html).toContain(
      'Of these 4: 1 succeeded · 1 failed · 1 refused · 0 cancelled · 1 queued or running',
    );
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

  it('escapes an issue’s hostile text on the task page too, and links only http(s)', () => {
    const hostile = task({
      id: 'T9',
      status: 'failed',
      engineer: '<img src=x onerror=alert(1)>',
      trigger: { kind: 'pr_comment', text: '<script>alert("title")</script>', sender: 'x' },
      branch: 'nightshift/<script>',
      result: {
        headline: '<script>alert(4)</script>',
        summary: '</pre><script>alert(5)</script>',
        pullRequestUrl: 'javascript:alert(3)',
      },
    });
    const page = renderTaskPage(
      hostile,
      [{ at: ago(1), phase: 'working', message: '<script>alert(6)</script>' }],
      NOW,
    );
    const list = renderStatusPage([hostile], NOW);
    for (const html of [page, list]) {
      expect(html).not.toMatch(/<script|<img|javascript:/i);
    }
    expect(page).toContain('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;');
    expect(page).toContain('&lt;/pre&gt;&lt;script&gt;alert(5)&lt;/script&gt;');
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

describe('renderTaskPage', () => {
  it('shows the record with its GitHub links and the progress log, in sections', () => {
    const page = renderTaskPage(
      task({
        id: 'T5',
        branch: 'nightshift/issue-12-fix',
        checkRunId: 77,
        result: { pullRequestUrl: 'https://github.com/octo/app/pull/34', commitSha: 'abcdef1234567890' },
      }),
      [{ at: ago(1), phase: 'preparing', message: 'Cloning octo/app (main)' }],
      NOW,
      { sections: [{ title: 'Session', html: '<p>later</p>' }] },
    );
    expect(page).toContain('<h1>Task T5</h1>');
    expect(page).toContain('<a href="https://github.com/octo/app/issues/12">octo/app#12</a> (issue #12)');
    expect(page).toContain(
      '<a href="https://github.com/octo/app/pull/34">https://github.com/octo/app/pull/34</a>',
    );
    expect(page).toContain('<a href="https://github.com/octo/app/tree/nightshift/issue-12-fix">');
    expect(page).toContain('<a href="https://github.com/octo/app/commit/abcdef1234567890">abcdef123456</a>');
    expect(page).toContain('<a href="https://github.com/octo/app/runs/77">77</a>');
    expect(page).toContain('Cloning octo/app (main)');
    expect(page).toContain('<a href="/api/tasks/T5">');
    expect(page.indexOf('<h2>Record</h2>')).toBeLessThan(page.indexOf('<h2>Progress log</h2>'));
    expect(page.indexOf('<h2>Progress log</h2>')).toBeLessThan(page.indexOf('<h2>Session</h2>'));
    expect(page).not.toContain('http-equiv="refresh"'); // ended: nothing to refresh
  });
});
