import { describe, expect, it } from 'vitest';
import {
  diffAnchor,
  filesChangedList,
  parseChangedFiles,
  type ChangedFile,
} from '../../../core/changed-files.js';

describe('changed files', () => {
  it("reads git's -z output: added, changed, deleted, renamed and binary files", () => {
    const nameStatus = [
      'A',
      'lib/new.js',
      'M',
      'index.js',
      'D',
      'old.js',
      'R087',
      'a b.js',
      'c\td.js',
      'A',
      'logo.png',
      '',
    ].join('\0');
    const numstat = [
      '20\t0\tlib/new.js',
      '3\t1\tindex.js',
      '0\t12\told.js',
      '1\t1\t',
      'a b.js',
      'c\td.js',
      '-\t-\tlogo.png',
      '',
    ].join('\0');
    expect(parseChangedFiles(nameStatus, numstat)).toEqual([
      { kind: 'added', path: 'lib/new.js', additions: 20, deletions: 0 },
      { kind: 'changed', path: 'index.js', additions: 3, deletions: 1 },
      { kind: 'deleted', path: 'old.js', additions: 0, deletions: 12 },
      { kind: 'renamed', path: 'c\td.js', previousPath: 'a b.js', additions: 1, deletions: 1 },
      { kind: 'added', path: 'logo.png', additions: null, deletions: null },
    ]);
    expect(parseChangedFiles('', '')).toEqual([]);
  });

  it("uses GitHub's anchor for a file in a pull request's diff: the SHA-256 of its path", () => {
    // From a real pull request: rubocop/rubocop#13595, files view.
    expect(diffAnchor('lib/rubocop/cop/metrics/single_line_complexity.rb')).toBe(
      'diff-bac0afb83227700f28b5a130464cd6a6307fc7a8321aee0eab729a9dcae936c6',
    );
  });

  it('lists the files as a person reads them, linked to the pull request', () => {
    const files: ChangedFile[] = [
      { kind: 'added', path: 'lib/new.js', additions: 20, deletions: 0 },
      { kind: 'changed', path: 'index.js', additions: 3, deletions: 1 },
      { kind: 'deleted', path: 'old.js', additions: 0, deletions: 12 },
      { kind: 'renamed', path: 'b.js', previousPath: 'a.js', additions: 1, deletions: 1 },
      { kind: 'added', path: 'logo.png', additions: null, deletions: null },
    ];
    const url = 'https://ghe.example.com/acme/calc/pull/7';
    expect(filesChangedList(files, url)).toBe(
      [
        '5 files, +24 -14 lines: 2 added, 1 changed, 1 deleted, 1 renamed.',
        '',
        `- [\`lib/new.js\`](${url}/files#${diffAnchor('lib/new.js')}) added, +20 -0`,
        `- [\`index.js\`](${url}/files#${diffAnchor('index.js')}) changed, +3 -1`,
        `- [\`old.js\`](${url}/files#${diffAnchor('old.js')}) deleted, +0 -12`,
        `- [\`a.js\` → \`b.js\`](${url}/files#${diffAnchor('b.js')}) renamed, +1 -1`,
        `- [\`logo.png\`](${url}/files#${diffAnchor('logo.png')}) added, binary`,
      ].join('\n'),
    );
    expect(filesChangedList(files.slice(1, 2))).toBe(
      '1 file, +3 -1 lines: 1 changed.\n\n- `index.js` changed, +3 -1',
    );
    expect(filesChangedList([])).toBe('(none)');
  });

  it('quotes hostile paths as code and caps a long list', () => {
    const hostile: ChangedFile = { kind: 'added', path: 'a`b @alice\n](x).js', additions: 1, deletions: 0 };
    expect(filesChangedList([hostile])).toContain('- `` a`b @alice ](x).js `` added, +1 -0');
    const many = Array.from({ length: 250 }, (_, i) => ({ ...hostile, path: `f${i}.js` }));
    const list = filesChangedList(many, 'https://github.com/o/r/pull/1');
    expect(list.split('\n').filter((l) => l.startsWith('- ['))).toHaveLength(100);
    expect(list).toContain('- … and 150 more');
  });
});
