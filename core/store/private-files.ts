/**
 * Local state that only its owner may read: `.data/` (the embedded store, its endpoint and
 * credential) is a 0700 folder and the files Nightshift writes there are 0600, whatever the umask
 * and whatever an older version left; `.env` (written 0644 by Probot's setup flow) is made 0600.
 */
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';

/** Permission bits for group and others. */
const OPEN_TO_OTHERS = 0o077;

/** Create `dir` (and missing parents) 0700, or tighten it to 0700 if it exists looser. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & OPEN_TO_OTHERS) !== 0) chmodSync(dir, 0o700);
}

/**
 * Write a file that is 0600 from its first byte: a new file beside it, created 0600, renamed over
 * the old one (so an older, looser file is replaced, never written into).
 */
export function writePrivateFile(path: string, text: string | Uint8Array): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
    chmodSync(temporary, 0o600); // in case of an unusual umask
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Make an existing file 0600. Says whether it was readable or writable by group or others before
 * (false when it was private already or does not exist).
 */
export function makeFilePrivate(path: string): boolean {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if ((mode & 0o777) !== 0o600) chmodSync(path, 0o600);
  return (mode & OPEN_TO_OTHERS) !== 0;
}
