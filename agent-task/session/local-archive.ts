/**
 * Session transcripts in a folder of the supervisor's own: `.data/sessions` for `npm start` (the
 * local runner tells the agent process where, NIGHTSHIFT_SESSION_DIR). The folder is 0700 and the
 * tools' sandbox hides `.data/`; a transcript is written to a temporary name and renamed, so a
 * reader never sees half of one.
 */
import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../../core/store/private-files.js';
import { archiveName, type SessionArchive } from './archive.js';

export class LocalSessionArchive implements SessionArchive {
  readonly kind = 'local';
  readonly hidden: string[];

  private constructor(readonly dir: string) {
    this.hidden = [dir];
  }

  /** The folder made (0700) before the tools' sandbox is, so that the sandbox hides it. */
  static async open(dir: string): Promise<LocalSessionArchive> {
    ensurePrivateDir(dir);
    return new LocalSessionArchive(dir);
  }

  async save(taskId: string, gzipped: Buffer): Promise<string> {
    const target = join(this.dir, archiveName(taskId));
    writePrivateFile(target, gzipped);
    return target;
  }
}
