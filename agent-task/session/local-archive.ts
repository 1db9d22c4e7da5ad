/**
 * Session transcripts in a folder of the supervisor's own: `.data/sessions` for `npm start` (the
 * local runner tells the agent process where, NIGHTSHIFT_SESSION_DIR). The folder is 0700 and the
 * tools' sandbox hides `.data/`; a transcript is written to a temporary name and renamed, so a
 * reader never sees half of one.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveName, type SessionArchive } from './archive.js';

export class LocalSessionArchive implements SessionArchive {
  readonly kind = 'local';
  readonly hidden: string[];

  private constructor(readonly dir: string) {
    this.hidden = [dir];
  }

  /** The folder made (0700) before the tools' sandbox is, so that the sandbox hides it. */
  static async open(dir: string): Promise<LocalSessionArchive> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    return new LocalSessionArchive(dir);
  }

  async save(taskId: string, gzipped: Buffer): Promise<string> {
    const target = join(this.dir, archiveName(taskId));
    const temporary = join(this.dir, `.${archiveName(taskId)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, gzipped, { mode: 0o600, flag: 'wx' });
      await rename(temporary, target);
    } finally {
      await rm(temporary, { force: true });
    }
    return target;
  }
}
