/**
 * `.env`, as Probot and the `nightshift` command use it: read at start (a variable already set in
 * the environment wins), and written by the setup flow, owner-only from its first byte.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writePrivateFile } from '../../core/store/private-files.js';

/** Load `file` into process.env if it exists; variables already set are kept. */
export function loadDotEnv(file: string): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/**
 * Set `values` in `file`, keeping its other lines (comments included) and replacing earlier lines
 * for the same names; multi-line values (a PEM) are written double-quoted with `\n`, which
 * Node's .env reader turns back into newlines. process.env gets them too.
 */
export function updateDotEnv(file: string, values: Record<string, string>): void {
  const names = new Set(Object.keys(values));
  const kept = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '' && !names.has(/^\s*(?:export\s+)?([\w.-]+)\s*=/.exec(line)?.[1] ?? ''))
    : [];
  const added = Object.entries(values).map(([name, value]) => `${name}=${quoted(value)}`);
  writePrivateFile(file, [...kept, ...added].join('\n') + '\n');
  Object.assign(process.env, values);
}

/** Node's .env reader expands `\n` in double quotes only, and knows no other escape. */
function quoted(value: string): string {
  if (/^[\w@%+=:,./~-]*$/.test(value)) return value;
  if (!/["\\]/.test(value)) return `"${value.replace(/\n/g, '\\n')}"`;
  if (!/['\n]/.test(value)) return `'${value}'`;
  throw new Error('a value for .env has both quotes or backslashes and newlines');
}
