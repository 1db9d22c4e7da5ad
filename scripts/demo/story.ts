/**
 * What the demo plays: a tiny JavaScript library whose test fails, the issue that describes the
 * bug, who files and who labels it, and the model's side of the task as a script. The script is
 * fixed (the model is simulated), but every tool call in it runs for real in the task's sandbox:
 * the shell lists the files and runs `npm test`, the editor changes the file, and Nightshift's own
 * verification runs the repository's test command afterwards.
 */
import { bash, done, editor, reply, text, type ScriptStep } from '../../test/support/scripted-model/index.js';

export const DEMO_REPO = { owner: 'acme', name: 'tiny-words' } as const;
export const DEMO_REPO_NAME = `${DEMO_REPO.owner}/${DEMO_REPO.name}`;
/** Files the issue; has read access only, as many people who report bugs do. */
export const REPORTER = 'sam';
/** Labels the issue `agent`: has write access, so becomes the responsible engineer. */
export const ENGINEER = 'ada';
export const LABEL = 'agent';

const BUGGY = "  return `${count} ${count > 1 ? noun + 's' : noun}`;";
const FIXED = "  return `${count} ${count === 1 ? noun : noun + 's'}`;";

const WORDS_JS = `/** Small word helpers for the labels of a user interface. */

/** "1 file", "3 files". */
function pluralize(count, noun) {
${BUGGY}
}

/** "hello world" → "Hello world". */
function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

module.exports = { pluralize, capitalize };
`;

const WORDS_TEST_JS = `const test = require('node:test');
const assert = require('node:assert');
const { pluralize, capitalize } = require('../src/words.js');

test('one is singular', () => assert.strictEqual(pluralize(1, 'file'), '1 file'));
test('many are plural', () => assert.strictEqual(pluralize(3, 'file'), '3 files'));
test('zero is plural', () => assert.strictEqual(pluralize(0, 'file'), '0 files'));
test('capitalize', () => assert.strictEqual(capitalize('hello world'), 'Hello world'));
`;

export const DEMO_FILES: Record<string, string> = {
  'package.json': `${JSON.stringify(
    {
      name: 'tiny-words',
      version: '1.2.0',
      description: 'Small word helpers for user interface labels',
      main: 'src/words.js',
      // No path: Node 20 and 22 both find test/*.test.js (Node 22 reads a path as a glob, not a folder).
      scripts: { test: 'node --test' },
      license: 'MIT',
    },
    null,
    2,
  )}\n`,
  'src/words.js': WORDS_JS,
  'test/words.test.js': WORDS_TEST_JS,
  'README.md': '# tiny-words\n\nSmall word helpers: `pluralize(count, noun)`, `capitalize(text)`.\n',
  '.github/nightshift.yml': 'test: npm test\nlimits:\n  turns: 20\n',
};

export const DEMO_ISSUE = {
  title: 'pluralize(0, "file") says "0 file"',
  body: [
    'The empty file list reads **"0 file"**. English uses the plural for zero: it should say **"0 files"**.',
    '',
    'The test for it, `zero is plural` in `test/words.test.js`, fails:',
    '',
    '```',
    '$ npm test',
    '✖ zero is plural',
    "  AssertionError: '0 file' !== '0 files'",
    '```',
  ].join('\n'),
};

/**
 * The model's turns. A real model decides each turn from what the tools showed it; this script
 * plays what a good run on this repository looks like, the same way every time.
 */
export function demoScript(): ScriptStep[] {
  return [
    reply(
      text("I'll look at the repository and run its tests to see the failure."),
      bash('git ls-files && npm test 2>&1 | tail -n 25'),
    ),
    reply(
      text('`zero is plural` fails. Let me read `pluralize`.'),
      editor({ command: 'view', path: 'src/words.js' }),
    ),
    reply(
      text('`count > 1` treats 0 as singular; only exactly one is. Fixing the condition.'),
      editor({ command: 'str_replace', path: 'src/words.js', old_str: BUGGY, new_str: FIXED }),
    ),
    reply(text('Running the tests again.'), bash('npm test 2>&1 | tail -n 12')),
    done(
      [
        '`pluralize` used the singular for every count up to one, so zero came out as "0 file".',
        'Only a count of exactly one takes the singular now: `count === 1 ? noun : noun + "s"`.',
        '',
        '`npm test` passes: 4 tests, including `zero is plural`.',
      ].join('\n'),
    ),
  ];
}
