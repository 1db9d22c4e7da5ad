/**
 * The session recorder (agent-task/session/recorder.ts) from the port's events: each turn's own
 * tokens and time, the calls of the turn, a message with its author, the test rounds and the push;
 * every text relative to the repository and redacted before the store or the transcript sees it;
 * a store that fails never fails the task.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { SessionEntry } from '../../../core/session-log/entries.js';
import { redactSecrets } from '../../../core/sanitize.js';
import { EMPTY_USAGE } from '../../../core/task.js';
import { SessionRecorder } from '../../../agent-task/session/recorder.js';
import { taskPageUrl } from '../../../core/status/task-page-url.js';

const WS = '/tmp/nightshift-task-7/workspace';
const KEY = 'sk-ant-api03-a-known-secret-value';

function recorder(store: {
  appendSessionEntry: (id: string, seq: number, e: SessionEntry) => Promise<void>;
}) {
  const clock = { ms: 1_000 };
  const warnings: unknown[] = [];
  const r = new SessionRecorder({
    taskId: 'T1',
    store,
    redact: (t) => redactSecrets(t, [KEY]),
    log: { warn: (o: unknown) => void warnings.push(o) } as never,
    pointer: { taskId: 'T1' },
    now: () => clock.ms,
  });
  r.setWorkspace(WS);
  return { r, warnings, clock };
}

describe('the session recorder', () => {
  it('records turns, calls, messages, tests and the push; relative, redacted, each stored in order', async () => {
    const stored: Array<[number, SessionEntry]> = [];
    const { r, clock } = recorder({ appendSessionEntry: async (_id, seq, e) => void stored.push([seq, e]) });
    const usage1 = { ...EMPTY_USAGE, inputTokens: 100, outputTokens: 20, cacheReadTokens: 1000, turns: 1 };
    const usage2 = { ...usage1, inputTokens: 150, outputTokens: 50, cacheReadTokens: 3000, turns: 2 };
    r.onEvent({ type: 'message-added', turn: 1, text: 'also handle empty arrays', author: 'alice' } as never);
    r.onEvent({ type: 'turn-started', turn: 1 });
    clock.ms += 700;
    r.onEvent({ type: 'turn-started', turn: 1 }); // a retried request: the turn's time runs from the first
    clock.ms += 800;
    r.onEvent({ type: 'text', turn: 1, text: `Reading ${WS}/src/a.ts; the key is ${KEY}` });
    r.onEvent({ type: 'turn-finished', turn: 1, usage: usage1, recentActions: [] });
    r.onEvent({
      type: 'tool-call',
      turn: 1,
      name: 'bash',
      input: {},
      action: 'bash: cat src/a.ts',
      result: { content: `${WS}/src/a.ts:1 ghp_${'a'.repeat(36)}`, isError: false },
      durationMs: 12,
    });
    r.onEvent({ type: 'turn-started', turn: 2 });
    r.onEvent({ type: 'turn-finished', turn: 2, usage: usage2, recentActions: [] });
    r.verified('npm test', 1, `FAIL ${WS}/test.js`, 900);
    r.verified('npm test', undefined, '', 10);
    r.pushed('nightshift/issue-7', 'abcdef1234', ['src/a.ts']);
    const archive = await r.close();

    const entries = stored.map(([, e]) => e);
    expect(stored.map(([seq]) => seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(entries.map((e) => e.kind)).toEqual([
      'message',
      'turn',
      'tool',
      'turn',
      'verify',
      'verify',
      'push',
    ]);
    expect(entries[0]).toMatchObject({ author: 'alice', text: 'also handle empty arrays' });
    expect(entries[1]).toMatchObject({
      turn: 1,
      text: 'Reading src/a.ts; the key is [REDACTED]',
      tokens: { input: 100, output: 20, cacheRead: 1000, cacheWrite: 0 },
      durationMs: 1500,
    });
    expect(entries[2]).toMatchObject({ result: 'src/a.ts:1 [REDACTED]', durationMs: 12 });
    expect(entries[3]).toMatchObject({
      turn: 2,
      text: '',
      tokens: { input: 50, output: 30, cacheRead: 2000 },
    });
    expect(entries[4]).toMatchObject({ round: 1, outcome: 'failed', exitCode: 1, output: 'FAIL test.js' });
    expect(entries[5]).toMatchObject({ round: 2, outcome: 'stopped' });
    expect(r.entries()).toEqual(entries);
    const transcript = gunzipSync(archive).toString('utf8');
    expect(transcript.trim().split('\n')).toHaveLength(7);
    expect(transcript).not.toContain(WS);
    expect(transcript).not.toContain(KEY);
    expect(r.stats).toMatchObject({ entries: 7, failedWrites: 0, archiveBytes: archive.length });
    // Closed: nothing more is recorded.
    r.pushed('x', 'y', []);
    expect(stored).toHaveLength(7);
  });

  it('a store that fails is logged and skipped: the rest is still stored and the transcript whole', async () => {
    let n = 0;
    const stored: number[] = [];
    const { r, warnings } = recorder({
      appendSessionEntry: async (_id, seq) => {
        if (n++ === 0) throw new Error('store down');
        stored.push(seq);
      },
    });
    r.verified('npm test', 0, 'ok', 1);
    r.verified('npm test', 0, 'ok', 1);
    const archive = await r.close();
    expect(stored).toEqual([1]);
    expect(warnings).toHaveLength(1);
    expect(r.stats.failedWrites).toBe(1);
    expect(gunzipSync(archive).toString('utf8').trim().split('\n')).toHaveLength(2);
  });
});

describe('the task page at the public address', () => {
  it('links only an http(s) address, with or without a trailing slash', () => {
    expect(taskPageUrl('https://ns.example.com/', 'T1')).toBe('https://ns.example.com/status/tasks/T1');
    expect(taskPageUrl('https://ns.example.com/base', 'T 1')).toBe(
      'https://ns.example.com/base/status/tasks/T%201',
    );
    expect(taskPageUrl(undefined, 'T1')).toBeUndefined();
    expect(taskPageUrl('javascript:alert(1)', 'T1')).toBeUndefined();
  });
});
