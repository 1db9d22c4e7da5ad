import { describe, expect, it } from 'vitest';
import {
  SUBJECT_MAX,
  agentCommitMessage,
  commitBody,
  commitMessage,
  commitSubject,
  cutAtWord,
  subjectLine,
} from '../../../core/commit-message.js';

const length = (s: string) => Array.from(s).length;
const subjectOf = (message: string) => message.split('\n')[0] ?? '';

describe('commit subjects', () => {
  it('cuts a long issue title at a word with an ellipsis and keeps the issue number', () => {
    const title =
      'The date parser rejects ISO week dates such as 2024-W05-3 and silently falls back to the local time zone when the offset is missing';
    expect(title.length).toBeGreaterThanOrEqual(120);
    const subject = commitSubject(title, 1234);
    expect(length(subject)).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toBe('The date parser rejects ISO week dates such as 2024-W05-3 and… (#1234)');
  });

  it('leaves no dangling bracket where the upstream title was cut before', () => {
    const subject = commitSubject(
      "camelCase('b2b_registration_request') returns 'b2BRegistrationRequest'",
      1,
    );
    expect(subject).toBe("camelCase('b2b_registration_request') returns… (#1)");
    expect(
      commitSubject('Handle `[a, b]` and (nested (parens) in the loader of the configuration files', 7),
    ).toBe('Handle `[a, b]` and (nested (parens) in the loader of the… (#7)');
  });

  it('keeps short titles whole, quotes and unicode included, and counts characters, not bytes', () => {
    expect(commitSubject('Café “naïve” 日本語 🚀 works', 3)).toBe('Café “naïve” 日本語 🚀 works (#3)');
    const emoji = commitSubject('🚀'.repeat(100));
    expect(length(emoji)).toBe(SUBJECT_MAX);
    expect(emoji.endsWith('🚀…')).toBe(true);
  });

  it('is capitalised, without "please", a trailing period or a repeated issue number', () => {
    expect(commitSubject('Handle empty input (#4).', 4)).toBe('Handle empty input (#4)');
    expect(commitSubject('rename the helper')).toBe('Rename the helper');
    expect(commitSubject('please make the tests pass')).toBe('Make the tests pass');
    expect(commitSubject('fixup! squash! Fix it')).toBe('Fix it');
    // An issue's title describes a problem: its verbs stay as they are.
    expect(commitSubject('Fixed-width font handles tabs badly', 5)).toBe(
      'Fixed-width font handles tabs badly (#5)',
    );
  });

  it("puts the agent's line in the imperative", () => {
    const subject = (line: string) =>
      subjectOf(agentCommitMessage({ summary: `${line}\n\nbody`, fallbackSubject: 'x' }));
    expect(subject('Fixed camelCase of numbers before separators.')).toBe(
      'Fix camelCase of numbers before separators',
    );
    expect(subject('I added a test for add()')).toBe('Add a test for add()');
    expect(subject('This change handles empty input')).toBe('Handle empty input');
    expect(subject('Simplifies the loader')).toBe('Simplify the loader');
    expect(subject('Made the parser strict')).toBe('Make the parser strict');
    expect(subject('I looked at the parser')).toBe('I looked at the parser');
  });

  it('defuses CI-skip markers and mentions, and drops hidden characters', () => {
    const subject = commitSubject(
      'Fix it [skip ci] [CI SKIP] [no ci] ***NO_CI*** cc @alice @org/team\u202E\u200B',
      2,
    );
    expect(subject).toBe('Fix it (skip ci) (CI SKIP) (no ci) NO_CI cc `@alice` `@org/team` (#2)');
    expect(commitSubject('Mail me@example.com about `@bob`')).toBe('Mail me@example.com about `@bob`');
  });

  it('cuts a single overlong word inside it', () => {
    expect(cutAtWord('x'.repeat(80), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(cutAtWord('short', 10)).toBe('short');
  });
});

describe("the agent's subject line", () => {
  it('is the first line of its final message when that reads as a subject', () => {
    expect(subjectLine('Fix camelCase of numbers before separators\n\nThe regex …')).toBe(
      'Fix camelCase of numbers before separators',
    );
    expect(subjectLine('\n## Fix the parser\n\nDetails')).toBe('Fix the parser');
    expect(subjectLine('**Handle empty input**\n\nmore')).toBe('Handle empty input');
    expect(subjectLine('Subject: Handle empty input\r\n\r\nmore')).toBe('Handle empty input');
  });

  it('is not a heading, a list, a single word, a paragraph or the only line', () => {
    expect(subjectLine('## Summary\n\nFixed it.')).toBeUndefined();
    expect(subjectLine('Summary of the changes')).toBeUndefined();
    expect(subjectLine('What I changed:\n- a')).toBeUndefined();
    expect(subjectLine('- changed a\n- changed b')).toBeUndefined();
    expect(subjectLine('Done.\n\nFixed it.')).toBeUndefined();
    expect(subjectLine('')).toBeUndefined();
    expect(subjectLine('Lint passes now.')).toBeUndefined();
    expect(subjectLine('Fix the parser\nand the tests\n\nmore')).toBeUndefined();
    expect(subjectLine(`I changed ${'many things '.repeat(20)}\n\nmore`)).toBeUndefined();
  });
});

describe('commit messages from the agent', () => {
  const summary = [
    'Fix camelCase of numbers before separators',
    '',
    'camelCase() upper-cased the letter after a digit even when no separator came before it,',
    "so 'b2b_registration_request' became 'b2BRegistrationRequest'. The word splitter now",
    'treats a digit as part of the word before it. `npm test` passes.',
  ].join('\n');

  it("takes the agent's line as the subject, explains the change in the body and keeps the issue", () => {
    const message = agentCommitMessage({
      summary,
      fallbackSubject: "camelCase('b2b_registration_request') returns 'b2BRegistrationRequest'",
      issue: 1,
      engineer: 'alice',
    });
    expect(message).toBe(
      [
        'Fix camelCase of numbers before separators (#1)',
        '',
        'camelCase() upper-cased the letter after a digit even when no separator came before it,',
        "so 'b2b_registration_request' became 'b2BRegistrationRequest'. The word splitter now",
        'treats a digit as part of the word before it. `npm test` passes.',
        '',
        'Refs #1',
        '',
        'Co-authored-by: alice <alice@users.noreply.github.com>',
        '',
      ].join('\n'),
    );
  });

  it('falls back to the title when the agent gives no subject line, and keeps its whole text as the body', () => {
    const message = agentCommitMessage({
      summary: '## Summary\n\nChanged a - b to a + b.',
      fallbackSubject: 'add() returns the difference',
      issue: 12,
    });
    expect(message).toBe(
      'add() returns the difference (#12)\n\n## Summary\n\nChanged a - b to a + b.\n\nRefs #12\n',
    );
  });

  it('turns a hostile summary into a plain message', () => {
    const hostile = [
      `Fix ${'everything '.repeat(30)}`,
      'ignore that [skip ci]',
      'Thanks @maintainer and @org/security-team!',
      '<!-- hidden: push to main -->Visible\u200B text\u202E',
      'skip-checks: true',
      'Co-authored-by: mallory <mallory@example.com>',
      'Signed-off-by: The Boss <boss@example.com>',
      'x'.repeat(10_000),
    ].join('\n');
    const message = agentCommitMessage({
      summary: hostile,
      fallbackSubject: 'Fix add',
      issue: 9,
      engineer: 'alice',
    });
    const lines = message.split('\n');
    expect(subjectOf(message)).toBe('Fix add (#9)');
    expect(message).not.toMatch(/\[skip ci\]|<!--|hidden|\u200B|\u202E/i);
    expect(message).toContain('ignore that (skip ci)');
    expect(message).toContain('Thanks `@maintainer` and `@org/security-team`!');
    expect(message).not.toMatch(/(^|[^`])@(maintainer|org)/);
    // The only trailer a reader (git, GitHub) finds is ours, in the last paragraph.
    expect(lines.filter((l) => /^(co-authored-by|signed-off-by|skip-checks)\s*:/i.test(l))).toEqual([
      'Co-authored-by: alice <alice@users.noreply.github.com>',
    ]);
    expect(message).toContain('> Co-authored-by: mallory');
    expect(message.length).toBeLessThan(4300);
    expect(message).toMatch(/truncated: \d+ more characters not shown/);
    expect(message).toContain('Refs #9');
  });

  it("defuses the agent's own subject line, and cuts one that is too long", () => {
    const message = agentCommitMessage({
      summary: 'Fix it [skip ci] for @alice\n\nDone as @bob asked.',
      fallbackSubject: 'unused',
      issue: 2,
    });
    expect(message).toBe('Fix it (skip ci) for `@alice` (#2)\n\nDone as `@bob` asked.\n\nRefs #2\n');
    const long = `Fix ${'the parser '.repeat(7)}`.trim();
    expect(long.length).toBeGreaterThan(SUBJECT_MAX);
    const subject = subjectOf(
      agentCommitMessage({ summary: `${long}\n\nbody`, fallbackSubject: 'x', issue: 3 }),
    );
    expect(subject).toBe('Fix the parser the parser the parser the parser the parser the… (#3)');
    expect(length(subject)).toBeLessThanOrEqual(SUBJECT_MAX);
  });

  it('writes a commit for a pull request with the subject of what was fixed and no issue reference', () => {
    const message = agentCommitMessage({
      summary: 'Lint passes now.',
      fallbackSubject: 'Fix failing checks',
      engineer: 'alice',
    });
    expect(subjectOf(message)).toBe('Fix failing checks');
    expect(message).not.toContain('Refs #');
  });
});

describe('plain commit messages', () => {
  it('credits the responsible engineer with a Co-authored-by trailer', () => {
    expect(
      commitMessage({ subject: 'Start work on #12', body: 'Opened the branch.', engineer: 'alice' }),
    ).toBe(
      'Start work on #12\n\nOpened the branch.\n\nCo-authored-by: alice <alice@users.noreply.github.com>\n',
    );
    expect(commitMessage({ subject: 'Update' })).toBe('Update\n');
    expect(commitBody('a\n\n\n\nb  \n')).toBe('a\n\nb');
  });
});
