/** The session transcripts' bucket: private, encrypted, TLS only, expiring, and the agent may only write. */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../cdk/config.js';
import { agentContainer, rolePermissions, rolesReaching, synthesize, type Synthesized } from './synth.js';

describe('the session archive bucket', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({ sessionArchiveDays: 30 }, { bundling: false });
  });
  afterAll(() => rmSync(s.outdir, { recursive: true, force: true }));

  it('blocks public access, encrypts, refuses plain HTTP and expires transcripts after the configured days', () => {
    const id = s.id(s.stack.sessions.bucket);
    const bucket = s.template.findResources('AWS::S3::Bucket')[id]!;
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
      LifecycleConfiguration: {
        Rules: [{ Prefix: 'sessions/', ExpirationInDays: 30, Status: 'Enabled' }],
      },
    });
    const policies = Object.values(s.template.findResources('AWS::S3::BucketPolicy')).filter((p) =>
      JSON.stringify(p).includes(id),
    );
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
  });

  it('the agent task role may only put transcripts under sessions/, and is told the bucket', () => {
    const id = s.id(s.stack.sessions.bucket);
    expect(rolesReaching(s.template, id)).toEqual([s.id(s.stack.agent.taskRole)]);
    const grants = rolePermissions(s.template, s.id(s.stack.agent.taskRole)).filter((p) =>
      p.resources.some((r) => r.includes(id)),
    );
    expect(grants.flatMap((g) => g.actions)).toEqual(['s3:PutObject']);
    expect(grants.flatMap((g) => g.resources).every((r) => r.endsWith('/sessions/*'))).toBe(true);
    expect(agentContainer(s.template).Environment).toEqual(
      expect.arrayContaining([{ Name: 'NIGHTSHIFT_SESSION_BUCKET', Value: { Ref: id } }]),
    );
  });

  it('refuses a lifetime out of range', () => {
    expect(() => readConfig(() => undefined, { sessionArchiveDays: 0 })).toThrow(
      /nightshift:sessionArchiveDays/,
    );
  });
});
