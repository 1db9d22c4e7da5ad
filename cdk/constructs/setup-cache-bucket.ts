/**
 * Where agent tasks keep their setup caches (agent-task/setup/): one private bucket, encrypted at
 * rest, public access blocked, TLS only, objects expiring after `expiryDays` (from when they were
 * written: a cache in steady use is rebuilt that often). The agent task role may get, put and
 * list objects under `setup-cache/` and nothing else; entries are named by a hash of the
 * installation, repository, branch, setup commands and lockfiles (core/setup-cache.ts), so no
 * task can name another repository's entry. Kept when the stack is deleted, like the table.
 */
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Effect, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SETUP_CACHE_PREFIX } from '../../core/setup-cache.js';
import { privateBucket } from './private-bucket.js';

export interface SetupCacheBucketProps {
  expiryDays: number;
}

export class SetupCacheBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: SetupCacheBucketProps) {
    super(scope, id);
    this.bucket = privateBucket(this, 'Bucket', { prefix: SETUP_CACHE_PREFIX, expiryDays: props.expiryDays });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds disposable setup caches (dependency folders) that only the agent task role reads and writes, ' +
        'under object names that are hashes; they expire on their own. Access logs would record those same calls; ' +
        'turn on CloudTrail S3 data events for the bucket if an audit trail is wanted.',
    });
  }

  /** Get, put and list under the cache prefix: the agent task role's whole access. */
  grantTo(role: Role): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.bucket.arnForObjects(`${SETUP_CACHE_PREFIX}*`)],
      }),
    );
    // With ListBucket a missing entry is a 404 (a miss) rather than a 403 (an error).
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${SETUP_CACHE_PREFIX}*`] } },
      }),
    );
    const logicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${SETUP_CACHE_PREFIX}*]`,
      reason:
        'Setup cache entries are named by a hash made at run time (core/setup-cache.ts), so the role is granted the ' +
        'bucket’s setup-cache/ prefix: get and put objects there, nothing else in the bucket or in any other bucket.',
    });
  }
}
