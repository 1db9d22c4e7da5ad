/**
 * The setup cache's two stores: a folder of the supervisor's own, and S3 (through the real SDK
 * client with its transport mocked: there is no S3 stand-in on loopback).
 */
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { checkedName, entryName } from '../../../agent-task/setup/cache-store.js';
import { LocalCacheStore } from '../../../agent-task/setup/local-cache-store.js';
import { S3CacheStore } from '../../../agent-task/setup/s3-cache-store.js';
import { SETUP_CACHE_PREFIX } from '../../../core/setup-cache.js';

const name = (n: number) => entryName(String(n).repeat(64).slice(0, 64), 'zstd');

describe('entry names', () => {
  it('are a SHA-256 and the codec, nothing that could become another path or object key', () => {
    expect(entryName('a'.repeat(64), 'gzip')).toBe(`${'a'.repeat(64)}.tar.gz`);
    for (const bad of [
      '../x',
      `${'a'.repeat(64)}.tar.zst/../../x`,
      'a.tar.zst',
      `${'A'.repeat(64)}.tar.zst`,
    ]) {
      expect(() => checkedName(bad)).toThrow(/not a setup cache entry name/);
    }
  });
});

describe('the local cache store', () => {
  const folders: string[] = [];
  afterEach(async () => {
    for (const f of folders.splice(0)) await rm(f, { recursive: true, force: true });
  });

  async function store(
    maxTotalBytes = 1_000_000,
  ): Promise<{ store: LocalCacheStore; dir: string; file(bytes: number): Promise<string> }> {
    const root = await mkdtemp(join(tmpdir(), 'nightshift-store-'));
    folders.push(root);
    const dir = join(root, 'setup-cache');
    return {
      store: await LocalCacheStore.open(dir, { maxTotalBytes, maxAgeDays: 14 }),
      dir,
      async file(bytes) {
        const path = join(root, `archive-${bytes}-${Math.random()}`);
        await writeFile(path, Buffer.alloc(bytes, 7));
        return path;
      },
    };
  }

  it('keeps its folder private, stores whole archives, and answers a miss with undefined', async () => {
    const { store: s, dir, file } = await store();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await s.get(name(1), 1000)).toBeUndefined();
    await s.put(name(1), await file(500), 500);
    const entry = await s.get(name(1), 1000);
    expect(entry?.bytes).toBe(500);
    expect((await text(entry!.body)).length).toBe(500);
    // Larger than the caller takes: as if absent.
    expect(await s.get(name(1), 499)).toBeUndefined();
    await expect(s.put(name(2), await file(10), 11)).rejects.toThrow(/changed/);
    expect(await readdir(dir)).toEqual([name(1)]);
  });

  it('prunes old entries, then the least recently used, to its total size', async () => {
    const { store: s, dir, file } = await store(1000);
    const day = 86_400;
    const now = Date.now() / 1000;
    await s.put(name(1), await file(400), 400);
    await s.put(name(2), await file(400), 400);
    await utimes(join(dir, name(1)), now - 60, now - 60);
    await utimes(join(dir, name(2)), now - 30, now - 30);
    await s.get(name(1), 1000); // used now: newer than entry 2
    await s.put(name(3), await file(400), 400);
    expect((await readdir(dir)).sort()).toEqual([name(1), name(3)].sort());
    await utimes(join(dir, name(1)), now - 15 * day, now - 15 * day);
    await s.prune();
    expect(await readdir(dir)).toEqual([name(3)]);
  });
});

describe('the S3 cache store', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('reads and writes under its prefix only, and takes a missing object as a miss', async () => {
    const store = new S3CacheStore(new S3Client({ region: 'eu-west-1' }), 'cache-bucket');
    s3.on(GetObjectCommand, { Key: `${SETUP_CACHE_PREFIX}${name(1)}` }).resolves({
      // The SDK's body is a Node stream with helpers; the store reads it as a stream only.
      Body: Readable.from([Buffer.from('archive')]) as never,
      ContentLength: 7,
    });
    s3.on(GetObjectCommand, { Key: `${SETUP_CACHE_PREFIX}${name(2)}` }).rejects(
      new NoSuchKey({ message: 'no such key', $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(GetObjectCommand, { Key: `${SETUP_CACHE_PREFIX}${name(3)}` }).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    const hit = await store.get(name(1), 100);
    expect(hit?.bytes).toBe(7);
    expect(await text(hit!.body)).toBe('archive');
    expect(await store.get(name(1), 6)).toBeUndefined();
    expect(await store.get(name(2), 100)).toBeUndefined();
    await expect(store.get(name(3), 100)).rejects.toThrow(/Access Denied/);

    const root = await mkdtemp(join(tmpdir(), 'nightshift-s3-'));
    try {
      await writeFile(join(root, 'a'), 'archive');
      s3.on(PutObjectCommand).resolves({});
      await store.put(name(4), join(root, 'a'), 7);
      const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(put).toMatchObject({ Bucket: 'cache-bucket', Key: `setup-cache/${name(4)}`, ContentLength: 7 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
    await expect(store.get('../other-prefix/x', 100)).rejects.toThrow(/not a setup cache entry name/);
  });
});
