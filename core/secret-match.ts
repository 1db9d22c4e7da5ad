/**
 * Where secrets sit in a text: the one matcher behind redaction (sanitize.ts) and push protection
 * (secret-scan.ts).
 *
 * A known secret value is looked for as it is and transformed the ways an agent (or a prompt
 * injection) can smuggle it out: base64 and base64url at each of the three byte alignments (so a
 * value inside a longer encoded blob is found), hex in either case, reversed. A PEM private key
 * also yields its body and each body line, alone and as the key's bytes in hex. Every needle is
 * also looked for in a normalised copy of the text without whitespace, quotes, `+`, `,`, brackets
 * and backslash escapes, which finds a value split across lines or concatenated strings.
 *
 * Speed: all needles of 8 characters or more are found in one pass over the text (and one over
 * its normalised copy) with a rolling hash of their first 8 characters, so the cost does not grow
 * with the number of needles. A match carries offsets only, never the value.
 */

export type KnownSecretForm = 'raw' | 'base64' | 'hex' | 'reversed';
/** The whole value, one base64 line of a PEM private key's body, or the body joined. */
export type SecretPart = 'value' | 'key line' | 'key body';
export type TokenShape = 'GitHub token' | 'Anthropic key' | 'AWS access key' | 'private key' | 'Slack token';

export type MatchLabel =
  | { kind: 'known-secret'; secret: number; form: KnownSecretForm; part: SecretPart; split: boolean }
  | { kind: 'token-shape'; shape: TokenShape };
export type SecretMatch = MatchLabel & { start: number; end: number };

/** Token shapes that are secrets wherever they appear, known or not. */
const TOKEN_SHAPES: ReadonlyArray<{ shape: TokenShape; pattern: RegExp }> = [
  { shape: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g },
  { shape: 'GitHub token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g },
  { shape: 'Anthropic key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { shape: 'AWS access key', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g },
  { shape: 'Slack token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g },
  // A whole PEM private key block; a truncated one (no END line) up to where its base64 stops.
  {
    shape: 'private key',
    pattern:
      /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)/g,
  },
];

const PEM_BLOCK = /-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----([\s\S]*?)-----END/;
/** A PEM body line shorter than this is not looked for on its own (the last line can be tiny). */
const MIN_KEY_LINE = 16;
/** Needles are hashed on this many leading characters; shorter ones are searched one by one. */
const K = 8;

interface Needle {
  text: string;
  label: Extract<MatchLabel, { kind: 'known-secret' }>;
}

export interface CompiledSecrets {
  /** Needles of K characters or more, searched in the text as it is. */
  readonly raw: NeedleIndex;
  /** The same needles normalised, searched in the normalised text. */
  readonly joined: NeedleIndex;
  /** Raw values shorter than K (redaction only), searched with indexOf. */
  readonly short: readonly Needle[];
}

/**
 * Every needle for `secrets`. Values (trimmed) shorter than `minLength` are ignored; values
 * shorter than 8 are looked for only as they are.
 */
export function compileSecrets(secrets: readonly string[], options: { minLength: number }): CompiledSecrets {
  const byText = new Map<string, Needle>();
  const short: Needle[] = [];
  const add = (text: string, label: Needle['label']) => {
    if (text.length >= K && !byText.has(text)) byText.set(text, { text, label });
  };
  secrets.forEach((secret, index) => {
    const value = secret.trim();
    if (value.length < options.minLength) return;
    if (value.length < K) {
      short.push({ text: value, label: knownLabel(index, 'raw', 'value') });
      return;
    }
    for (const [form, text] of transformedForms(value)) add(text, knownLabel(index, form, 'value'));
    const body = PEM_BLOCK.exec(value)?.[1];
    if (body === undefined) return;
    const lines = body
      .split(/\r?\n|\\n/)
      .map((line) => line.trim())
      .filter((line) => /^[A-Za-z0-9+/=]+$/.test(line));
    const joinedBody = lines.join('');
    for (const [form, text] of keyForms(joinedBody)) add(text, knownLabel(index, form, 'key body'));
    for (const line of lines) {
      if (line.length < MIN_KEY_LINE) continue;
      for (const [form, text] of keyForms(line)) add(text, knownLabel(index, form, 'key line'));
    }
  });
  const raw = [...byText.values()];
  const joined = new Map<string, Needle>();
  for (const needle of raw) {
    const text = normalise(needle.text);
    if (text.length >= K && !joined.has(text))
      joined.set(text, { text, label: { ...needle.label, split: true } });
  }
  return { raw: indexNeedles(raw), joined: indexNeedles([...joined.values()]), short };
}

/** Every match of a known secret (in any form) or a token shape in `text`, in no particular order. */
export function findSecretMatches(text: string, compiled: CompiledSecrets): SecretMatch[] {
  const matches: SecretMatch[] = [];
  for (const [start, needle] of searchIndex(text, compiled.raw)) {
    matches.push({ ...needle.label, start, end: start + needle.text.length });
  }
  if (compiled.joined.needles.length > 0) {
    const normal = normalise(text);
    const found = searchIndex(normal, compiled.joined);
    const origins = originsOf(
      text,
      found.flatMap(([at, needle]) => [at, at + needle.text.length - 1]),
    );
    for (const [at, needle] of found) {
      const start = origins.get(at)!;
      const end = origins.get(at + needle.text.length - 1)! + 1;
      matches.push({ ...needle.label, start, end });
    }
  }
  for (const needle of compiled.short) {
    for (let at = text.indexOf(needle.text); at !== -1; at = text.indexOf(needle.text, at + 1)) {
      matches.push({ ...needle.label, start: at, end: at + needle.text.length });
    }
  }
  for (const { shape, pattern } of TOKEN_SHAPES) {
    for (const m of text.matchAll(pattern)) {
      matches.push({ kind: 'token-shape', shape, start: m.index, end: m.index + m[0].length });
    }
  }
  return matches;
}

/**
 * The matches worth telling a person about: sorted by position, each dropped when another one
 * covers it (a key's lines inside the whole key; a known token that also has a token's shape).
 */
export function outermostMatches(matches: readonly SecretMatch[]): SecretMatch[] {
  const rank = (m: SecretMatch) => (m.kind === 'token-shape' ? 2 : m.split ? 1 : 0);
  const sorted = [...matches].sort((a, b) => a.start - b.start || b.end - a.end || rank(a) - rank(b));
  const kept: SecretMatch[] = [];
  let reach = -1;
  for (const m of sorted) {
    if (m.end <= reach) continue;
    kept.push(m);
    reach = m.end;
  }
  return kept;
}

/** `text` with each stretch covered by a match replaced by `marker`; overlapping stretches merge. */
export function replaceMatches(text: string, matches: readonly SecretMatch[], marker: string): string {
  if (matches.length === 0) return text;
  const sorted = [...matches].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!.start;
    let end = sorted[i]!.end;
    for (i += 1; i < sorted.length && sorted[i]!.start <= end; i += 1) end = Math.max(end, sorted[i]!.end);
    parts.push(text.slice(at, start), marker);
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

function knownLabel(secret: number, form: KnownSecretForm, part: SecretPart): Needle['label'] {
  return { kind: 'known-secret', secret, form, part, split: false };
}

function transformedForms(value: string): Array<[KnownSecretForm, string]> {
  const hex = Buffer.from(value, 'utf8').toString('hex');
  return [
    ['raw', value],
    ['reversed', Array.from(value).reverse().join('')],
    ['hex', hex],
    ['hex', hex.toUpperCase()],
    ...base64Forms(value).map((text): [KnownSecretForm, string] => ['base64', text]),
  ];
}

/** A PEM body (or line): its transformed forms, and the key bytes it encodes in hex. */
function keyForms(base64: string): Array<[KnownSecretForm, string]> {
  const forms = transformedForms(base64);
  if (base64.length % 4 === 0) {
    const hex = Buffer.from(base64, 'base64').toString('hex');
    forms.push(['hex', hex], ['hex', hex.toUpperCase()]);
  }
  return forms;
}

/**
 * The base64 (and base64url) text that encodes `value` wherever it sits in a longer encoded
 * string: one form per byte alignment, without the characters that also depend on neighbouring
 * bytes.
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const total = offset + bytes.length;
    const end = total % 3 === 0 ? encoded.length : encoded.length - 1;
    const start = [0, 2, 3][offset]!;
    const core = encoded.slice(start, end);
    if (core.length < K) continue;
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/**
 * What joins the pieces of a split value: whitespace, quotes, `+`, `,`, brackets, a backslash,
 * and `\n`, `\r`, `\t` written as escapes. `originsOf` must skip exactly what this removes.
 */
const JOINERS = /\\[nrt]|[ \t\n\r\v\f'"`+,[\]\\]/g;
const JOINER = new Uint8Array(128);
for (const c of ' \t\n\r\v\f\'"`+,[]\\') JOINER[c.charCodeAt(0)] = 1;
const BACKSLASH = 0x5c;
const ESCAPED = new Set(['n', 'r', 't'].map((c) => c.charCodeAt(0)));

/** `text` without joiners. */
function normalise(text: string): string {
  return text.replace(JOINERS, '');
}

/** For offsets into `normalise(text)`, the offsets in `text` they came from. */
function originsOf(text: string, offsets: readonly number[]): Map<number, number> {
  const wanted = [...new Set(offsets)].sort((a, b) => a - b);
  const origins = new Map<number, number>();
  let kept = 0;
  let next = 0;
  for (let i = 0; i < text.length && next < wanted.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH && ESCAPED.has(text.charCodeAt(i + 1))) {
      i += 1;
      continue;
    }
    if (c < 128 && JOINER[c] === 1) continue;
    while (wanted[next] === kept) origins.set(wanted[next++]!, i);
    kept += 1;
  }
  return origins;
}

interface NeedleIndex {
  readonly needles: readonly Needle[];
  /** Hash of the first K characters → the needles that start so. */
  readonly byHash: Map<number, Needle[]>;
  /** One bit per low 16 bits of a hash in byHash: a cheap first test at each position. */
  readonly filter: Uint8Array;
}

const BASE = 257;
const BASE_POW = (() => {
  let p = 1;
  for (let i = 1; i < K; i += 1) p = Math.imul(p, BASE);
  return p;
})();

function hashPrefix(text: string): number {
  let h = 0;
  for (let i = 0; i < K; i += 1) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

function indexNeedles(needles: readonly Needle[]): NeedleIndex {
  const byHash = new Map<number, Needle[]>();
  const filter = new Uint8Array(1 << 16);
  for (const needle of needles) {
    const h = hashPrefix(needle.text);
    byHash.set(h, [...(byHash.get(h) ?? []), needle]);
    filter[h & 0xffff] = 1;
  }
  return { needles, byHash, filter };
}

/** Every (offset, needle) where a needle of `index` occurs in `text`, overlapping ones included. */
function searchIndex(text: string, index: NeedleIndex): Array<[number, Needle]> {
  const found: Array<[number, Needle]> = [];
  if (index.needles.length === 0 || text.length < K) return found;
  let h = hashPrefix(text);
  for (let i = 0; ; i += 1) {
    if (index.filter[h & 0xffff] === 1) {
      for (const needle of index.byHash.get(h) ?? []) {
        if (text.startsWith(needle.text, i)) found.push([i, needle]);
      }
    }
    if (i + K >= text.length) break;
    h = (Math.imul((h - Math.imul(text.charCodeAt(i), BASE_POW)) | 0, BASE) + text.charCodeAt(i + K)) | 0;
  }
  return found;
}
