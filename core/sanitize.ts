/**
 * Untrusted text (issue bodies, comments, tool output) on its way to the model or to GitHub.
 *
 * `sanitizeUntrusted` removes what a person reading the text on GitHub cannot see but a model
 * would read: HTML comments and invisible or direction-changing Unicode. Visible markup such as
 * `<details>` stays. `redactSecrets` replaces credentials before text is logged or posted.
 */

import { compileSecrets, findSecretMatches, replaceMatches } from './secret-match.js';

/** Characters that render as nothing (or reorder text) and so can hide instructions. */
const INVISIBLE = new RegExp(
  [
    '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]', // C0/C1 controls except \t \n \r
    '\\u00AD', // soft hyphen
    '\\u061C', // Arabic letter mark (bidi)
    '\\u180E', // Mongolian vowel separator
    '[\\u200B-\\u200F]', // zero-width space/joiners, LRM, RLM
    '[\\u202A-\\u202E]', // bidi embeddings and overrides
    '[\\u2060-\\u2069]', // word joiner, invisible operators, bidi isolates
    '\\uFEFF', // zero-width no-break space (BOM)
    '[\\uFFF9-\\uFFFB]', // interlinear annotation
    '[\\u{E0000}-\\u{E007F}]', // tag characters
    '[\\u{E0100}-\\u{E01EF}]', // variation selectors supplement (ideographic variants; used to smuggle bytes)
  ].join('|'),
  'gu',
);

/** A run of two or more variation selectors carries data, not a glyph choice. */
const VARIATION_SELECTOR_RUN = /[\uFE00-\uFE0F]{2,}/g;
/** A variation selector with no character before it to select a variant of. */
const STRAY_VARIATION_SELECTOR = /(^|\s)[\uFE00-\uFE0F]+/g;

/** `<!-- … -->` (also `<!-->`, `<!--->`), and an unterminated `<!--` that hides the rest of the text. */
const HTML_COMMENT = /<!--(?:-?>|[\s\S]*?-->)/g;
const UNTERMINATED_HTML_COMMENT = /<!--[\s\S]*$/;

export function stripHtmlComments(text: string): string {
  let previous: string;
  let current = text;
  do {
    previous = current;
    current = current.replace(HTML_COMMENT, '');
  } while (current !== previous);
  return current.replace(UNTERMINATED_HTML_COMMENT, '');
}

export function stripInvisible(text: string): string {
  return text
    .replace(INVISIBLE, '')
    .replace(VARIATION_SELECTOR_RUN, '')
    .replace(STRAY_VARIATION_SELECTOR, '$1');
}

/**
 * Strip hidden content, normalise line endings, and truncate to at most `maxChars` characters,
 * the truncation note included.
 */
export function sanitizeUntrusted(text: string, options: { maxChars: number }): string {
  const clean = stripInvisible(stripHtmlComments(text.replace(/\r\n?/g, '\n')));
  return truncateText(clean, options.maxChars);
}

/** Cut `text` to at most `maxChars` characters, a note saying how much was cut included. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const noteFor = (omitted: number) => `\n\n[… truncated: ${omitted} more characters not shown]`;
  let keep = Math.max(0, maxChars - noteFor(text.length).length);
  // Never split a surrogate pair.
  if (keep > 0 && /[\uD800-\uDBFF]/.test(text.charAt(keep - 1))) keep -= 1;
  if (keep === 0) return text.slice(0, Math.max(0, maxChars));
  return text.slice(0, keep) + noteFor(text.length - keep);
}

export const REDACTED = '[REDACTED]';

/** Credentials inside a URL: `https://x-access-token:TOKEN@github.com/…`. */
const URL_CREDENTIAL = /(x-access-token:)[^@\s/]+@/gi;
/** An `Authorization` header (or config/JSON key) value, its scheme kept. */
const AUTHORIZATION =
  /(authorization["']?\s*[:=]\s*["']?)(?:(basic|bearer|token|digest|negotiate|ntlm)\s+)?[^\s"',;]+/gi;

/**
 * Replace every known secret value and every token-shaped string (GitHub, Anthropic, AWS, Slack,
 * PEM private key blocks) with `[REDACTED]`. A known value of 8 characters or more is also found
 * base64-encoded (at any alignment, inside a longer blob too), hex-encoded, reversed, and split
 * across lines or strings; a known PEM key also by its body and by each body line of 16
 * characters or more. Values shorter than 4 characters are ignored: redacting them would mangle
 * ordinary text without protecting anything. About 20 ms for 1 MB of text.
 */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  const compiled = compileSecrets(knownSecrets, { minLength: 4 });
  let out = replaceMatches(text, findSecretMatches(text, compiled), REDACTED);
  out = out.replace(URL_CREDENTIAL, `$1${REDACTED}@`);
  out = out.replace(AUTHORIZATION, (_m, prefix: string, scheme: string | undefined) =>
    scheme ? `${prefix}${scheme} ${REDACTED}` : `${prefix}${REDACTED}`,
  );
  return out;
}
