/**
 * Where events end up that Nightshift could not process after its retries: dispatch events and
 * ECS stop events (asynchronous Lambda invocations that kept failing, or that EventBridge could not
 * deliver). Encrypted, TLS only, kept 14 days; an alarm fires on the first message.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export class DeadLetterQueue extends Construct {
  readonly queue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue IS the dead-letter queue: the on-failure destination of the dispatch and task-events functions and ' +
        'the DLQ of the EventBridge target. Nothing consumes it automatically, so it needs no DLQ of its own.',
    });
  }
}
