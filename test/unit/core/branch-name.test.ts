import { describe, expect, it } from 'vitest';
import { BRANCH_SLUG_MAX, branchForIssue, branchSlug } from '../../../core/branch-name.js';

describe('issue branch names', () => {
  it('names issue branches nightshift/issue-<n>-<slug>', () => {
    expect(branchForIssue(12, 'Fix: add() returns the DIFFERENCE!')).toBe(
      'nightshift/issue-12-fix-add-returns-the-difference',
    );
    expect(branchForIssue(3, '')).toBe('nightshift/issue-3');
  });

  it('cuts a long title at a word, never in the middle of one', () => {
    const title = "camelCase('b2b_registration_request') returns 'b2BRegistrationRequest'";
    expect(branchForIssue(1, title)).toBe('nightshift/issue-1-camelcase-b2b-registration-request');
    const long = `${'Handle the parser failing on nested arrays '.repeat(3)}in the config loader`;
    expect(long.length).toBeGreaterThan(120);
    const slug = branchSlug(long);
    expect(slug).toBe('handle-the-parser-failing-on-nested');
    expect(slug.length).toBeLessThanOrEqual(BRANCH_SLUG_MAX);
    // Each word of the slug is a whole word of the title.
    for (const word of slug.split('-')) expect(long.toLowerCase().split(/[^a-z0-9]+/)).toContain(word);
  });

  it('keeps a slug that ends exactly at the limit, and cuts a single overlong word', () => {
    expect(branchSlug('abcd efgh', 9)).toBe('abcd-efgh');
    expect(branchSlug('abcd efgh ijk', 9)).toBe('abcd-efgh');
    expect(branchSlug('x'.repeat(100))).toBe('x'.repeat(BRANCH_SLUG_MAX));
  });

  it('drops accents, brackets, quotes and other scripts', () => {
    expect(branchSlug('Café “naïve” [bug] <script>’s résumé')).toBe('cafe-naive-bug-script-s-resume');
    expect(branchSlug('日本語のタイトル')).toBe('');
    expect(branchForIssue(5, '🚀 Ünïcödé — “quotes” & `ticks`')).toBe(
      'nightshift/issue-5-unicode-quotes-ticks',
    );
    expect(branchSlug('a\u202Eevil\u200B title')).toBe('a-evil-title');
  });
});
