/**
 * Session transcripts in an S3 bucket (the CDK stack's, NIGHTSHIFT_SESSION_BUCKET), under
 * `sessions/`, where the agent task role may only put objects. The bucket encrypts at rest,
 * blocks public access and expires transcripts (cdk/constructs/session-archive-bucket.ts).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SESSION_ARCHIVE_PREFIX, archiveName, type SessionArchive } from './archive.js';

export class S3SessionArchive implements SessionArchive {
  readonly kind = 's3';

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async save(taskId: string, gzipped: Buffer): Promise<string> {
    const key = SESSION_ARCHIVE_PREFIX + archiveName(taskId);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: gzipped,
        ContentLength: gzipped.length,
        ContentType: 'application/x-ndjson',
        ContentEncoding: 'gzip',
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }
}
