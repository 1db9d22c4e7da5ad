/**
 * Where a session's whole transcript goes (agent-task/session/): a private folder locally, an S3
 * object under `sessions/` on AWS; only a task id names it, so nothing else becomes a path or a key.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveName } from '../../../agent-task/session/archive.js';
import { LocalSessionArchive } from '../../../agent-task/session/local-archive.js';
import { S3SessionArchive } from '../../../agent-task/session/s3-archive.js';

const transcript = gzipSync('{"kind":"turn"}\n');

describe('session archives', () => {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('locally: a 0700 folder (hidden from the tools), one 0600 file per task, replaced whole', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nightshift-sessions-test-'));
    made.push(root);
    const archive = await LocalSessionArchive.open(join(root, 'sessions'));
    expect(archive.hidden).toEqual([join(root, 'sessions')]);
    expect((await stat(join(root, 'sessions'))).mode & 0o777).toBe(0o700);
    const where = await archive.save('01JTASK', transcript);
    expect(where).toBe(join(root, 'sessions', '01JTASK.jsonl.gz'));
    await archive.save('01JTASK', gzipSync('{"kind":"push"}\n'));
    expect(await readdir(join(root, 'sessions'))).toEqual(['01JTASK.jsonl.gz']);
    expect((await stat(where)).mode & 0o777).toBe(0o600);
    expect(gunzipSync(await readFile(where)).toString()).toBe('{"kind":"push"}\n');
  });

  it('on AWS: one object under sessions/, gzip-encoded JSON lines', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const where = await new S3SessionArchive(new S3Client({}), 'bucket-1').save('01JTASK', transcript);
    expect(where).toBe('s3://bucket-1/sessions/01JTASK.jsonl.gz');
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: 'bucket-1',
      Key: 'sessions/01JTASK.jsonl.gz',
      ContentEncoding: 'gzip',
      ContentLength: transcript.length,
    });
    s3.restore();
  });

  it('refuses anything but a task id as a name', () => {
    for (const bad of ['../x', 'a/b', '', 'x'.repeat(65), 'T1.jsonl.gz']) {
      expect(() => archiveName(bad), bad).toThrow(/not a task id/);
    }
  });
});
