/**
 * Where the whole transcript of a session goes when the task ends (the store keeps each entry cut
 * to a bounded size; this keeps them as the tools returned them): a port with two adapters, a
 * folder of the supervisor's own under `.data/` for `npm start` (local-archive.ts) and an S3
 * bucket on AWS (s3-archive.ts). The supervisor hands it bytes it built itself; only the task's
 * id names the object, checked, so nothing else ever becomes a path or a key.
 */
export interface SessionArchive {
  /** `local` or `s3`, for the log. */
  readonly kind: string;
  /** Paths the tools must not see (a local archive's folder): hidden in their sandbox. */
  readonly hidden?: string[];
  /** Store the gzip-compressed JSON lines of `taskId`'s session; returns where it went. */
  save(taskId: string, gzipped: Buffer): Promise<string>;
}

/** The objects' prefix in the bucket, which is all the agent task role may write. */
export const SESSION_ARCHIVE_PREFIX = 'sessions/';

const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `<task id>.jsonl.gz`, for a task id that is one. */
export function archiveName(taskId: string): string {
  if (!TASK_ID.test(taskId)) throw new Error(`not a task id: ${JSON.stringify(taskId)}`);
  return `${taskId}.jsonl.gz`;
}
