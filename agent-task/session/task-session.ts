/**
 * The session log's part in the task: the recorder made when the task starts, told of the agent's
 * events, the test rounds and the push (recorder.ts); at the end its writes are waited for, the
 * transcript archived, and the log becomes the check run's `text` with the conclusion.
 */
import type { Logger } from 'pino';
import { keepHeadAndTail } from '../../core/session-log/entries.js';
import { CHECK_RUN_LOG_CHARS } from '../../core/session-log/render-markdown.js';
import type { Outcome } from '../../core/report.js';
import type { TaskStore } from '../../core/store/task-store.js';
import type { SessionArchive } from './archive.js';
import { SessionRecorder } from './recorder.js';
import { startStep, stepDuration } from '../step-log.js';

/** The failing tests' output shown above the log at the end, at most. */
const DETAILS_CHARS = 12_000;

export function startSession(options: {
  taskId: string;
  store: TaskStore;
  redact: (text: string) => string;
  log: Logger;
  pageUrl: string | undefined;
}): SessionRecorder {
  return new SessionRecorder({
    taskId: options.taskId,
    store: options.store,
    redact: options.redact,
    log: options.log,
    pointer: { taskId: options.taskId, ...(options.pageUrl ? { pageUrl: options.pageUrl } : {}) },
  });
}

/**
 * The session's end: every entry stored, the transcript archived (a failure is logged: the store
 * has the log), and the outcome's `details` (the check run's text) holding the log, after the
 * failing tests' output when the task failed.
 */
export async function endSession(
  recorder: SessionRecorder,
  archive: SessionArchive | undefined,
  taskId: string,
  log: Logger,
  outcome: Outcome,
): Promise<Outcome> {
  // Timed from here: what the end of the task waits for (the last writes, the archive).
  const closed = startStep(log, 'session-log');
  const transcript = await recorder.close();
  const where = archive
    ? await archive.save(taskId, transcript).catch((error: unknown) => {
        log.warn({ err: error, archive: archive.kind }, 'the session transcript could not be archived');
        return undefined;
      })
    : undefined;
  const { stats } = recorder;
  closed(
    `session log: ${stats.entries} entries (recording ${stepDuration(stats.recordMs)}, store writes ` +
      `${stepDuration(stats.storeMs)}), transcript ${stats.transcriptBytes} bytes, ${stats.archiveBytes} compressed` +
      (where ? ` → ${where}` : ''),
    { ...stats, ...(where ? { archive: where } : {}) },
  );
  // A failure's details (the failing tests' output) lead; otherwise the log says it all.
  const details =
    outcome.details && outcome.conclusion === 'failure'
      ? keepHeadAndTail(outcome.details, DETAILS_CHARS)
      : undefined;
  const room = CHECK_RUN_LOG_CHARS - (details ? details.length + 2 : 0);
  const text = [details, recorder.markdown(room)].filter(Boolean).join('\n\n');
  return text ? { ...outcome, details: text } : outcome;
}
