/** The setup cache bucket: private, encrypted, TLS only, expiring, and the agent's alone. */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../cdk/config.js';
import { agentContainer, rolesReaching, synthesize, type Synthesized } from './synth.js';

describe('the setup cache bucket', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ setupCacheDays: 7, setupCacheMaxMiB: 512 }, { bundling: false });
  });
  afterAll(() => rmSync(s.outdir, { recursive: true, force: true }));

  it('blocks public access, encrypts, refuses plain HTTP and expires entries after the configured days', () => {
    const buckets = s.template.findResources('AWS::S3::Bucket');
    // The other bucket is the session transcripts' (session-archive.test.ts).
    expect(Object.keys(buckets).sort()).toEqual(
      [s.id(s.stack.setupCache.bucket), s.id(s.stack.sessions.bucket)].sort(),
    );
    const bucket = buckets[s.id(s.stack.setupCache.bucket)]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Prefix: 'setup-cache/',
            ExpirationInDays: 7,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          },
        ],
      },
    });
    const policy = Object.values(s.template.findResources('AWS::S3::BucketPolicy'))[0];
    expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
  });

  it('is reachable by the agent task role only, and the agent is told where and how large', () => {
    const bucket = s.id(s.stack.setupCache.bucket);
    expect(rolesReaching(s.template, bucket)).toEqual([s.id(s.stack.agent.taskRole)]);
    expect(agentContainer(s.template).Environment).toEqual(
      expect.arrayContaining([
        { Name: 'NIGHTSHIFT_SETUP_CACHE_BUCKET', Value: { Ref: bucket } },
        { Name: 'NIGHTSHIFT_SETUP_CACHE_MAX_MB', Value: '512' },
      ]),
    );
  });

  it('refuses settings out of range', () => {
    expect(() => readConfig(() => undefined, { setupCacheDays: 0 })).toThrow(/nightshift:setupCacheDays/);
    expect(() => readConfig(() => undefined, { setupCacheMaxMiB: 10_000 })).toThrow(
      /nightshift:setupCacheMaxMiB/,
    );
  });
});
