/**
 * The setup cache in a folder of the supervisor's own: `.data/setup-cache` for `npm start` (the
 * local runner tells the agent process where, NIGHTSHIFT_SETUP_CACHE_DIR). The folder is 0700 and
 * hidden from the tools' sandbox; entries are written to a temporary name and renamed, so a
 * reader never sees half an archive. After each save the folder is pruned: entries older than
 * `maxAgeDays`, then the least recently used until the total is under `maxTotalBytes`.
 */
import { chmod, copyFile, mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { checkedName, type CacheEntry, type SetupCacheStore } from './cache-store.js';

export interface LocalCacheOptions {
  maxTotalBytes: number;
  maxAgeDays: number;
}

export class LocalCacheStore implements SetupCacheStore {
  readonly kind = 'local';

  private constructor(
    readonly dir: string,
    private readonly options: LocalCacheOptions,
  ) {}

  static async open(dir: string, options: LocalCacheOptions): Promise<LocalCacheStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    return new LocalCacheStore(dir, options);
  }

  async get(name: string, maxBytes: number): Promise<CacheEntry | undefined> {
    const path = join(this.dir, checkedName(name));
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!handle) return undefined;
    const info = await handle.stat();
    if (!info.isFile() || info.size > maxBytes) {
      await handle.close();
      return undefined;
    }
    // Used now: pruning keeps the most recently used entries.
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
    return { body: handle.createReadStream(), bytes: info.size };
  }

  /** The file itself and its size: a put renames a new file in, a reader's use only touches times. */
  async version(name: string): Promise<string | undefined> {
    const info = await stat(join(this.dir, checkedName(name))).catch(() => undefined);
    return info?.isFile() ? `${info.ino}-${info.size}` : undefined;
  }

  async put(name: string, file: string, bytes: number): Promise<void> {
    const target = join(this.dir, checkedName(name));
    const temporary = join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await copyFile(file, temporary);
      if ((await stat(temporary)).size !== bytes) throw new Error('the archive changed while it was stored');
      await rename(temporary, target);
    } finally {
      await rm(temporary, { force: true });
    }
    await this.prune();
  }

  /** Drop what is too old, then the least recently used until the folder fits its budget. */
  async prune(now = Date.now()): Promise<void> {
    const entries: Array<{ path: string; bytes: number; used: number }> = [];
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      // A temporary file another task is still writing is left alone unless it was abandoned.
      const abandoned = name.endsWith('.tmp') && now - info.mtimeMs > 60 * 60_000;
      if (name.endsWith('.tmp') && !abandoned) continue;
      if (abandoned || now - info.mtimeMs > this.options.maxAgeDays * 86_400_000) {
        await rm(path, { force: true });
        continue;
      }
      entries.push({ path, bytes: info.size, used: info.mtimeMs });
    }
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    for (const entry of entries.sort((a, b) => a.used - b.used)) {
      if (total <= this.options.maxTotalBytes) break;
      await rm(entry.path, { force: true });
      total -= entry.bytes;
    }
  }
}
