/**
 * Records the task's session as it happens (core/session-log/): each turn's text and tokens, each
 * tool call with its result, messages added mid-task, the test command's rounds and the push.
 * Every text is made relative to the repository (never the temporary workspace's path) and
 * redacted before it is kept anywhere. Each entry goes to the store at once, bounded, one write
 * after another in the background (a failed write is logged, never fails the task); the whole
 * transcript, cut only where the tools cut it, is compressed as it grows and handed to the
 * archive at the end. The supervisor builds it from the events it was told: nothing is read from
 * the tools' folder.
 */
import { createGzip, type Gzip } from 'node:zlib';
import type { Logger } from 'pino';
import { boundEntry, type SessionEntry, type TurnTokens } from '../../core/session-log/entries.js';
import type { FullLogPointer } from '../../core/session-log/blocks.js';
import { renderSessionMarkdown } from '../../core/session-log/render-markdown.js';
import type { TaskStore } from '../../core/store/task-store.js';
import { EMPTY_USAGE, type Usage } from '../../core/task.js';
import type { AgentEvent } from '../agent/port.js';
import { relativeTo } from '../tools/describe-tool-call.js';

export interface SessionRecorderOptions {
  taskId: string;
  store: Pick<TaskStore, 'appendSessionEntry'>;
  redact: (text: string) => string;
  log: Pick<Logger, 'warn'>;
  /** Where the whole log is, for the note when the check run shows only its newest part. */
  pointer: FullLogPointer;
  now?: () => number;
}

/** What recording cost, for the step log and the benchmark. */
export interface RecorderStats {
  entries: number;
  /** Time spent in the recorder itself (redaction, bounding, compression), ms. */
  recordMs: number;
  /** Time the store's writes took, ms (in the background). */
  storeMs: number;
  failedWrites: number;
  /** The largest entry as stored (JSON characters). */
  largestEntryChars: number;
  /** The transcript's bytes before and after compression. */
  transcriptBytes: number;
  archiveBytes: number;
}

export class SessionRecorder {
  private seq = 0;
  private readonly kept: SessionEntry[] = [];
  private writes: Promise<void> = Promise.resolve();
  private workspace: string | undefined;
  private turnStarts = new Map<number, number>();
  private text = new Map<number, string>();
  private usage: Usage = { ...EMPTY_USAGE };
  private verifyRound = 0;
  private readonly gzip: Gzip = createGzip();
  private readonly chunks: Buffer[] = [];
  private closed: Promise<Buffer> | undefined;
  readonly stats: RecorderStats = {
    entries: 0,
    recordMs: 0,
    storeMs: 0,
    failedWrites: 0,
    largestEntryChars: 0,
    transcriptBytes: 0,
    archiveBytes: 0,
  };
  private readonly now: () => number;

  constructor(private readonly options: SessionRecorderOptions) {
    this.now = options.now ?? Date.now;
    this.gzip.on('data', (chunk: Buffer) => this.chunks.push(chunk));
  }

  /** The tools' folder, once there is one: its paths are shown relative to it from then on. */
  setWorkspace(workspace: string): void {
    this.workspace = workspace;
  }

  onEvent(event: AgentEvent): void {
    switch (event.type) {
      case 'turn-started':
        if (!this.turnStarts.has(event.turn)) this.turnStarts.set(event.turn, this.now());
        return;
      case 'text':
        this.text.set(event.turn, event.text);
        return;
      case 'turn-finished': {
        const u = event.usage;
        const p = this.usage;
        const tokens: TurnTokens = {
          input: u.inputTokens - p.inputTokens,
          output: u.outputTokens - p.outputTokens,
          cacheRead: u.cacheReadTokens - p.cacheReadTokens,
          cacheWrite: u.cacheWriteTokens - p.cacheWriteTokens,
        };
        this.usage = { ...u };
        const started = this.turnStarts.get(event.turn) ?? this.now();
        this.record({
          kind: 'turn',
          at: this.iso(),
          turn: event.turn,
          text: this.text.get(event.turn) ?? '',
          tokens,
          durationMs: this.now() - started,
        });
        this.text.delete(event.turn);
        this.turnStarts.delete(event.turn);
        return;
      }
      case 'tool-call':
        this.record({
          kind: 'tool',
          at: this.iso(),
          turn: event.turn,
          tool: event.name,
          action: event.action,
          result: event.result.content,
          isError: event.result.isError,
          durationMs: event.durationMs,
        });
        return;
      case 'message-added':
        // A person's `/agent <text>`, with who wrote it.
        this.record({
          kind: 'message',
          at: this.iso(),
          turn: event.turn,
          ...(event.author ? { author: event.author } : {}),
          text: event.text,
        });
        return;
    }
  }

  /**
   * A run of the repository's test command: `exitCode` undefined when it was stopped (out of
   * time), null when a signal ended it.
   */
  verified(command: string, exitCode: number | null | undefined, output: string, durationMs: number): void {
    this.verifyRound += 1;
    const outcome = exitCode === undefined ? 'stopped' : exitCode === 0 ? 'passed' : 'failed';
    this.record({
      kind: 'verify',
      at: this.iso(),
      round: this.verifyRound,
      command,
      outcome,
      ...(typeof exitCode === 'number' ? { exitCode } : {}),
      output,
      durationMs,
    });
  }

  pushed(branch: string, sha: string, files: readonly string[]): void {
    this.record({ kind: 'push', at: this.iso(), branch, sha, files: [...files] });
  }

  /** The entries so far, as the store has them (bounded). */
  entries(): readonly SessionEntry[] {
    return this.kept;
  }

  /** The check run's log now: the newest turns within `maxChars`. */
  markdown(maxChars?: number): string {
    return renderSessionMarkdown(this.kept, this.options.pointer, maxChars);
  }

  /** Every store write made; the whole transcript, compressed (once, however often asked). */
  close(): Promise<Buffer> {
    this.closed ??= (async () => {
      await this.writes;
      const done = new Promise<void>((resolve, reject) => {
        this.gzip.once('end', resolve);
        this.gzip.once('error', reject);
      });
      this.gzip.end();
      await done;
      const archive = Buffer.concat(this.chunks);
      this.stats.archiveBytes = archive.length;
      return archive;
    })();
    return this.closed;
  }

  private record(raw: SessionEntry): void {
    if (this.closed) return;
    const started = performance.now();
    const entry = this.clean(raw);
    const line = `${JSON.stringify(entry)}\n`;
    this.gzip.write(line);
    this.stats.transcriptBytes += Buffer.byteLength(line);
    const bounded = boundEntry(entry);
    this.kept.push(bounded);
    this.stats.entries += 1;
    this.stats.largestEntryChars = Math.max(this.stats.largestEntryChars, JSON.stringify(bounded).length);
    this.stats.recordMs += performance.now() - started;
    const seq = this.seq++;
    const { store, taskId, log } = this.options;
    this.writes = this.writes.then(async () => {
      const writing = performance.now();
      try {
        await store.appendSessionEntry(taskId, seq, bounded);
      } catch (error) {
        this.stats.failedWrites += 1;
        log.warn({ err: error, seq }, 'a session log entry could not be stored');
      } finally {
        this.stats.storeMs += performance.now() - writing;
      }
    });
  }

  /** Every text of the entry relative to the repository and redacted. */
  private clean(entry: SessionEntry): SessionEntry {
    const text = (value: string) => {
      const relative = this.workspace ? relativeTo(this.workspace, value) : value;
      return this.options.redact(relative);
    };
    switch (entry.kind) {
      case 'turn':
        return { ...entry, text: text(entry.text) };
      case 'tool':
        return { ...entry, action: text(entry.action), result: text(entry.result) };
      case 'message':
        return { ...entry, text: text(entry.text) };
      case 'verify':
        return { ...entry, command: text(entry.command), output: text(entry.output) };
      case 'push':
        return { ...entry, branch: text(entry.branch), files: entry.files.map(text) };
    }
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
