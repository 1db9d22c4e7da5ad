/**
 * Where setup caches are kept: a port with two adapters, a folder of the supervisor's own
 * (local-cache-store.ts, under `.data/` for `npm start`) and an S3 bucket (s3-cache-store.ts, on
 * AWS). Entries are named by `cacheKey` (core/setup-cache.ts): a hash, so an entry's name says
 * nothing and no repository can name another's. Only the supervisor talks to the store; the
 * tools never see it, its path or its credentials.
 */
import type { Readable } from 'node:stream';

export interface CacheEntry {
  body: Readable;
  bytes: number;
}

export interface SetupCacheStore {
  /** `local` or `s3`, for the log. */
  readonly kind: string;
  /** The entry, or undefined when there is none (or it is larger than `maxBytes`). Throws on failure. */
  get(name: string, maxBytes: number): Promise<CacheEntry | undefined>;
  /** Store `file` (`bytes` long) as the entry `name`, replacing any. Throws on failure. */
  put(name: string, file: string, bytes: number): Promise<void>;
  /**
   * What tells this entry's content apart from an earlier or later one of the same name; undefined
   * when there is none. Only stores that can answer cheaply have it (a spare is checked against it).
   */
  version?(name: string): Promise<string | undefined>;
}

const ENTRY_NAME = /^[0-9a-f]{64}\.tar\.(zst|gz)$/;

/** The archive's name in a store: the key (core/setup-cache.ts), the codec as its extension. */
export function entryName(key: string, codec: 'zstd' | 'gzip'): string {
  return checkedName(`${key}.tar.${codec === 'zstd' ? 'zst' : 'gz'}`);
}

/** Every adapter checks the name it is given: nothing but a hash ever becomes a path or an object key. */
export function checkedName(name: string): string {
  if (!ENTRY_NAME.test(name)) throw new Error(`not a setup cache entry name: ${JSON.stringify(name)}`);
  return name;
}
