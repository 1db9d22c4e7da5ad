/**
 * The setup cache in an S3 bucket (the CDK stack's, NIGHTSHIFT_SETUP_CACHE_BUCKET), under the
 * `setup-cache/` prefix, which is all the agent task's role may read, write or list. The bucket
 * encrypts at rest, blocks public access and expires entries (cdk/constructs/setup-cache-bucket.ts).
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SETUP_CACHE_PREFIX } from '../../core/setup-cache.js';
import { checkedName, type CacheEntry, type SetupCacheStore } from './cache-store.js';

export class S3CacheStore implements SetupCacheStore {
  readonly kind = 's3';

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async get(name: string, maxBytes: number): Promise<CacheEntry | undefined> {
    const key = SETUP_CACHE_PREFIX + checkedName(name);
    let answer;
    try {
      answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const body = answer.Body as Readable | undefined;
    const bytes = answer.ContentLength ?? Number.POSITIVE_INFINITY;
    if (!body || bytes > maxBytes) {
      body?.destroy();
      return undefined;
    }
    return { body, bytes };
  }

  async put(name: string, file: string, bytes: number): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: SETUP_CACHE_PREFIX + checkedName(name),
        Body: createReadStream(file),
        ContentLength: bytes,
        ContentType: 'application/octet-stream',
      }),
    );
  }
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}
