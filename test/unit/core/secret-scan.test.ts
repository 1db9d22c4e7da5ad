import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SecretHit } from '../../../core/secret-scan.js';
import { explainSecretHits, findSecrets, scanDiff } from '../../../core/secret-scan.js';

// Secrets are built at run time, so this file holds nothing a secret scanner would flag.
const ANTHROPIC = ['sk', 'ant', 'api03', 'Zq3xR7pL0vN2mK8sT4wY6bH1cJ5dF9gA'].join('-');
const WEBHOOK = 'whsec-7f3a9c1e5b2d8046';
const PEM = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const PEM_LINES = PEM.split('\n').filter((l) => l && !l.startsWith('-----'));
const SECRETS = [ANTHROPIC, WEBHOOK, PEM];
const GITHUB_TOKEN = 'ghp' + '_' + 'R4nd0mL00k1ngT0k3nW1th36Ch4rsXyZ0123';

const reverse = (s: string) => [...s].reverse().join('');
const b64 = (s: string) => Buffer.from(s).toString('base64');
const hex = (s: string) => Buffer.from(s).toString('hex');

/** What a person sees of the hits: it must hold no piece of any secret. */
function expectNoSecretIn(shown: string) {
  for (const secret of [ANTHROPIC, WEBHOOK, ...PEM_LINES]) {
    for (let i = 0; i + 8 <= secret.length; i += 4) expect(shown).not.toContain(secret.slice(i, i + 8));
  }
}

function known(hits: SecretHit[]) {
  return hits.map((h) =>
    h.kind === 'known-secret' ? { secret: h.secret, form: h.form, split: h.split, part: h.part } : h,
  );
}

describe('findSecrets: known values, however they are written', () => {
  const cases: Array<[string, string, Partial<Extract<SecretHit, { kind: 'known-secret' }>>]> = [
    ['raw', `const key = "${ANTHROPIC}";`, { secret: 0, form: 'raw', split: false }],
    ['reversed', `x = "${reverse(ANTHROPIC)}"`, { secret: 0, form: 'reversed' }],
    ['hex', `data: ${hex(WEBHOOK)}`, { secret: 1, form: 'hex' }],
    ['upper-case hex', `DATA=${hex(WEBHOOK).toUpperCase()}`, { secret: 1, form: 'hex' }],
    ['base64', `echo ${b64(WEBHOOK)} | base64 -d`, { secret: 1, form: 'base64' }],
    [
      'base64url',
      `t=${Buffer.from('\xff\xfe' + ANTHROPIC).toString('base64url')}`,
      { secret: 0, form: 'base64' },
    ],
    ['string concatenation', `k = "${ANTHROPIC.slice(0, 9)}" +\n  "${ANTHROPIC.slice(9)}";`, { split: true }],
    ['one character per line', [...WEBHOOK].join('\n'), { secret: 1, form: 'raw', split: true }],
    ['an array of characters', JSON.stringify([...reverse(WEBHOOK)]), { form: 'reversed', split: true }],
    ['hex in spaced bytes', hex(WEBHOOK).replace(/(..)/g, '$1 '), { form: 'hex', split: true }],
    ['one line of a PEM key', `notes: ${PEM_LINES[3]}`, { secret: 2, part: 'key line', form: 'raw' }],
    ['the PEM body joined', PEM_LINES.join(''), { secret: 2, part: 'key body', split: false }],
    ['a PEM key line reversed', reverse(PEM_LINES[2]!), { part: 'key line', form: 'reversed' }],
    [
      'the key bytes in hex, as xxd -p prints them',
      Buffer.from(PEM_LINES.join(''), 'base64')
        .toString('hex')
        .replace(/(.{60})/g, '$1\n'),
      { secret: 2, part: 'key body', form: 'hex' },
    ],
    ['a PEM key in a JSON string', JSON.stringify({ key: PEM }), { secret: 2, part: 'value', split: true }],
  ];
  for (const [name, text, expected] of cases) {
    it(`finds a known secret written as: ${name}`, () => {
      const hits = findSecrets(text, SECRETS);
      expect(hits).toHaveLength(1);
      expect(known(hits)[0]).toMatchObject({ ...expected });
      expectNoSecretIn(JSON.stringify(hits) + explainSecretHits(hits));
    });
  }

  it('finds a secret base64-encoded inside a longer blob, at each of the three alignments', () => {
    for (const prefix of ['', 'a', 'ab', 'Authorization: ']) {
      const blob = b64(`${prefix}${WEBHOOK}:trailing data`);
      expect(known(findSecrets(blob, SECRETS)), prefix).toEqual([
        { secret: 1, form: 'base64', split: false, part: 'value' },
      ]);
    }
  });

  it('reports the line of each hit, and a whole PEM key once rather than line by line', () => {
    const text = `line one\n${PEM}\nkey: ${ANTHROPIC}\n`;
    const hits = findSecrets(text, SECRETS);
    expect(hits.map((h) => [h.kind, h.line])).toEqual([
      ['known-secret', 2],
      ['known-secret', text.split('\n').findIndex((l) => l.startsWith('key:')) + 1],
    ]);
  });

  it('ignores known values shorter than 8 characters, and blank ones', () => {
    expect(findSecrets('password: hunter2 and 2retnuh', ['hunter2', '', '        '])).toEqual([]);
  });
});

describe('findSecrets: token shapes, known or not', () => {
  const shapes: Array<[string, string]> = [
    [GITHUB_TOKEN, 'GitHub token'],
    ['ghs' + '_' + 'a'.repeat(18) + 'B'.repeat(18), 'GitHub token'],
    ['github_pat_' + '11ABCDEFG0' + '_abcdefghijklmnopqrstuvwxyz0123456789', 'GitHub token'],
    ['sk-ant-' + 'admin01-' + 'q'.repeat(30), 'Anthropic key'],
    ['AKIA' + 'IOSFODNN7EXAMPLE', 'AWS access key'],
    ['ASIA' + 'Z2X4C6V8B0N1M3L5', 'AWS access key'],
    ['-----BEGIN EC ' + 'PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----', 'private key'],
    ['-----BEGIN OPENSSH ' + 'PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE', 'private key'],
    ['xoxb-' + '1234567890-abcdefghij', 'Slack token'],
  ];
  for (const [token, shape] of shapes) {
    it(`finds ${shape} ${token.slice(0, 6)}…`, () => {
      const hits = findSecrets(`before\nvalue = ${token}\n`, []);
      expect(hits).toEqual([{ kind: 'token-shape', shape, line: 2 }]);
      expect(JSON.stringify(hits) + explainSecretHits(hits)).not.toContain(token.slice(6, 14));
    });
  }

  it('reports a known token as the known value, not twice', () => {
    expect(known(findSecrets(`x ${GITHUB_TOKEN}`, [GITHUB_TOKEN]))).toEqual([
      { secret: 0, form: 'raw', split: false, part: 'value' },
    ]);
  });

  it('does not flag prefixes in prose, short look-alikes or tokens inside longer words', () => {
    const text = [
      'The ghp prefix, AKIA in prose, sk-ant and xoxb- are words; ghp_short is too short.',
      'sk-ant-api03-xxx is a placeholder, ' + 'XAKIA' + 'IOSFODNN7EXAMPLE is not an AWS key id',
      'my_ghp' + '_' + 'a'.repeat(36) + ' is part of an identifier',
    ].join('\n');
    expect(findSecrets(text, SECRETS)).toEqual([]);
  });
});

describe('findSecrets: ordinary code', () => {
  it('finds nothing in hashes, UUIDs, integrity strings and base64 images', () => {
    const png = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251));
    const text = [
      'commit 3f786850e387550fdab836ed7e6dc881de23001b',
      'const id = "123e4567-e89b-12d3-a456-426614174000";',
      '"integrity": "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR1jrg2/cXUuL8Rg=="',
      '"resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"',
      `<img src="data:image/png;base64,${png.toString('base64')}">`,
      'for (let i = 0; i < items.length; i += 1) total += items[i].price * 1.2;',
      'export const DEFAULT_MODEL = "claude-sonnet-4-5"; // see pricing.ts',
    ].join('\n');
    expect(findSecrets(text, SECRETS)).toEqual([]);
    expect(findSecrets(text.repeat(50), SECRETS)).toEqual([]);
  });
});

describe('scanDiff', () => {
  const diff = [
    'diff --git a/src/a.ts b/src/a.ts',
    'index 83db48f..bf269f4 100644',
    '--- a/src/a.ts',
    '+++ b/src/a.ts',
    '@@ -1,4 +1,5 @@',
    ' import x from "y";',
    `-const old = "${ANTHROPIC}";`,
    `+const k = process.env.KEY;`,
    ` // context ${GITHUB_TOKEN}`,
    `+++ this added line starts with two more plus signs ${hex(WEBHOOK)}`,
    `+const parts = ["${ANTHROPIC.slice(0, 12)}",`,
    `+  "${ANTHROPIC.slice(12)}"];`,
    ' end',
    'diff --git a/notes.txt b/notes.txt',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/notes.txt',
    '@@ -0,0 +1,2 @@',
    '+nothing here',
    `+${PEM_LINES[1]}`,
    'diff --git a/logo.png b/logo.png',
    'GIT binary patch',
    'literal 12',
    `zcmV;${ANTHROPIC}`,
    '',
    'diff --git a/gone.txt b/gone.txt',
    'deleted file mode 100644',
    '--- a/gone.txt',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    `-${WEBHOOK}`,
    '',
  ].join('\n');

  it('reports secrets on added lines only, with the file and its line in the new version', () => {
    const hits = scanDiff(diff, SECRETS);
    expect(hits.map((h) => [h.file, h.line, h.kind === 'known-secret' && h.form])).toEqual([
      ['src/a.ts', 4, 'hex'],
      ['src/a.ts', 5, 'raw'],
      ['notes.txt', 2, 'raw'],
    ]);
    expect(hits[1]).toMatchObject({ split: true });
    expect(hits[2]).toMatchObject({ part: 'key line' });
    expectNoSecretIn(JSON.stringify(hits));
  });

  it('does not scan binary patches (their content is compressed)', () => {
    expect(scanDiff(diff, SECRETS).some((h) => h.file === 'logo.png')).toBe(false);
  });

  it('scans file names, and never repeats the secret in the file it names', () => {
    const named = `diff --git a/x b/x\n--- /dev/null\n+++ b/leak-${WEBHOOK}.txt\n@@ -0,0 +1 @@\n+ok\n`;
    const hits = scanDiff(named, SECRETS);
    expect(hits).toEqual([
      {
        kind: 'known-secret',
        secret: 1,
        form: 'raw',
        split: false,
        part: 'value',
        file: 'leak-[REDACTED].txt',
      },
    ]);
  });
});

describe('explainSecretHits', () => {
  it('says how many, what and where, without the values', () => {
    const text = scanDiff(
      [
        '--- a/src/a.ts',
        '+++ b/src/a.ts',
        '@@ -1,0 +1,3 @@',
        '+x',
        '+x',
        `+const t = "${GITHUB_TOKEN}";`,
        '--- /dev/null',
        '+++ b/notes.txt',
        '@@ -0,0 +1 @@',
        `+${hex(WEBHOOK)}`,
      ].join('\n'),
      SECRETS,
    );
    expect(explainSecretHits(text)).toBe(
      '2 secrets found: a GitHub token (src/a.ts line 3), ' +
        'the value of a known secret, hex-encoded (notes.txt line 1)',
    );
  });

  it('groups hits of one kind in one place, caps the list, and says when there is nothing', () => {
    const hits = findSecrets(`${WEBHOOK}\nx\n${WEBHOOK}\n${reverse(ANTHROPIC)}`, SECRETS);
    expect(explainSecretHits(hits)).toBe(
      '3 secrets found: the value of a known secret (lines 1, 3), the value of a known secret, reversed (line 4)',
    );
    expect(explainSecretHits(hits, { maxItems: 1 })).toBe(
      '3 secrets found: the value of a known secret (lines 1, 3), and 1 more',
    );
    expect(explainSecretHits([])).toBe('No secrets found.');
  });
});
