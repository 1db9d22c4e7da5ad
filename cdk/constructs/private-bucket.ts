/**
 * A bucket only Nightshift's roles reach: encrypted at rest, public access blocked, owner-enforced
 * objects, TLS only, unversioned, one prefix expiring after `expiryDays` (from when an object was
 * written), kept when the stack is deleted (like the table). The setup cache and the session
 * transcripts each have one; they differ in what lives there, for how long, and who may do what.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export function privateBucket(
  scope: Construct,
  id: string,
  props: { prefix: string; expiryDays: number },
): Bucket {
  return new Bucket(scope, id, {
    encryption: BucketEncryption.S3_MANAGED,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    versioned: false,
    lifecycleRules: [
      {
        prefix: props.prefix,
        expiration: Duration.days(props.expiryDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
