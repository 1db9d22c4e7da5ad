/**
 * Where agent tasks archive their sessions' whole transcripts (agent-task/session/s3-archive.ts):
 * a private bucket (private-bucket.ts), transcripts expiring after `expiryDays`. The agent task
 * role may only put objects under `sessions/`: it cannot read, list or overwrite-by-listing
 * another task's transcript, and holds nothing else here. Readers (an operator with the AWS CLI,
 * the status page's function) are granted reading separately (`grantReadTo`).
 */
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Effect, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SESSION_ARCHIVE_PREFIX } from '../../agent-task/session/archive.js';
import { privateBucket } from './private-bucket.js';

export interface SessionArchiveBucketProps {
  expiryDays: number;
}

export class SessionArchiveBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: SessionArchiveBucketProps) {
    super(scope, id);
    this.bucket = privateBucket(this, 'Bucket', {
      prefix: SESSION_ARCHIVE_PREFIX,
      expiryDays: props.expiryDays,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds redacted session transcripts, written once per task by the agent task role and expiring ' +
        'on their own. Access logs would record those same writes; turn on CloudTrail S3 data events for the ' +
        'bucket if an audit trail of reads is wanted.',
    });
  }

  /** Put objects under `sessions/`: the agent task role's whole access. */
  grantWriteTo(role: IRole): void {
    this.grantUnderPrefix(
      role,
      ['s3:PutObject'],
      'Each task writes its own transcript, named by its id at run time',
    );
  }

  /** Get objects under `sessions/`, for a role that shows transcripts. */
  grantReadTo(role: IRole): void {
    this.grantUnderPrefix(role, ['s3:GetObject'], 'Transcripts are named by task id at run time');
  }

  private grantUnderPrefix(role: IRole, actions: string[], why: string): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions,
        resources: [this.bucket.arnForObjects(`${SESSION_ARCHIVE_PREFIX}*`)],
      }),
    );
    const logicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${SESSION_ARCHIVE_PREFIX}*]`,
      reason: `${why}, so the role is granted the bucket’s ${SESSION_ARCHIVE_PREFIX} prefix and nothing else.`,
    });
  }
}
