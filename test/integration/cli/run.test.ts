/**
 * `nightshift run` in process: createCliTask, follow, and the whole command with the dispatch
 * replaced by a stand-in that moves the task as the runner would (no GitHub, no model here; the
 * end-to-end tests run the real dispatch).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/cli.js';
import { createCliTask } from '../../../cli/run.js';
import { follow } from '../../../cli/follow.js';
import { createProgressDisplay } from '../../../cli/progress-display.js';
import type { CliIo } from '../../../cli/io.js';
import { UsageError } from '../../../cli/usage-error.js';
import type { TaskStore } from '../../../core/store/task-store.js';
import type { Task, TaskStatus } from '../../../core/task.js';
import { type TestStore, startTestStore } from '../../support/dynamo.js';
import { newTask } from './seed.js';
import { task as fixture, usage } from '../../support/task-fixture.js';

let t: TestStore;
beforeAll(async () => {
  t = await startTestStore();
});
afterAll(() => t.close());

function captureIo(env: Record<string, string | undefined> = {}, isTTY = false) {
  let stdout = '';
  let stderr = '';
  let interrupt: (() => void) | undefined;
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s), isTTY, columns: 100 },
    stderr: { write: (s: string) => (stderr += s) },
    env,
    cwd: '/nonexistent',
    onInterrupt(handler) {
      interrupt = handler;
      return () => (interrupt = undefined);
    },
  };
  return {
    io,
    out: () => stdout,
    err: () => stderr,
    interrupt: () => interrupt?.(),
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a runner does to a task, step by step, with a pause between steps. */
async function playRunner(
  store: TaskStore,
  taskId: string,
  end: TaskStatus,
  options: { error?: string } = {},
) {
  let task = await store.load(taskId);
  task = await store.transition(task, 'dispatched');
  await pause(30);
  task = await store.transition(task, 'running', { startedAt: new Date().toISOString() });
  await store.appendLog(taskId, 'preparing', 'Cloning octo/app');
  await pause(30);
  await store.appendLog(taskId, 'working', 'Ran npm test');
  task = await store.update(task, {
    usage: {
      inputTokens: 2000,
      outputTokens: 500,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.12,
      turns: 3,
    },
  });
  await pause(30);
  await store.transition(task, end, {
    finishedAt: new Date().toISOString(),
    ...(end === 'succeeded'
      ? { result: { pullRequestUrl: 'https://github.com/octo/app/pull/77', pullRequestNumber: 77 } }
      : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

function cli(startDispatch: (taskId: string) => Promise<void>) {
  return {
    connect: async () => ({
      store: t.store,
      endpoint: t.endpoint,
      tableName: t.tableName,
      credentials: t.credentials,
      close: async () => {},
    }),
    startDispatch,
    findDefaults: async () => {
      throw new Error('these runs name their installation and engineer');
    },
    now: () => new Date(),
    intervalMs: 10,
  };
}

describe('createCliTask', () => {
  const nothingToFind = async () => {
    throw new Error('nothing should be looked up');
  };

  it('records a cli task with the instructions, engineer and installation given', async () => {
    const task = await createCliTask(
      t.store,
      {
        repository: 'octo/run-a',
        target: { kind: 'pull_request', number: 5 },
        instructions: 'rename the helper',
        engineer: 'alice',
        installationId: 7,
      },
      nothingToFind,
    );
    expect(task).toMatchObject({
      repository: 'octo/run-a',
      installationId: 7,
      target: { kind: 'pull_request', number: 5 },
      trigger: { kind: 'cli', text: 'rename the helper', sender: 'alice' },
      engineer: 'alice',
      status: 'queued',
      cancelRequested: false,
    });
    expect(await t.store.load(task.id)).toEqual(task);
  });

  it('finds what it is not told: the installation and the author of the target', async () => {
    const asked: unknown[] = [];
    const task = await createCliTask(
      t.store,
      { repository: 'octo/run-b', target: { kind: 'issue', number: 1 }, instructions: '' },
      async (...lookup) => {
        asked.push(lookup);
        return { installationId: 99, author: 'carol' };
      },
    );
    expect(asked).toEqual([['octo/run-b', { kind: 'issue', number: 1 }, undefined]]);
    expect(task).toMatchObject({ installationId: 99, engineer: 'carol', trigger: { sender: 'carol' } });
    // Told the engineer, it still asks for the installation (and keeps its engineer).
    const told = await createCliTask(
      t.store,
      { repository: 'octo/run-b', target: { kind: 'issue', number: 1 }, instructions: '', engineer: 'dave' },
      async () => ({ installationId: 98, author: 'carol' }),
    );
    expect(told).toMatchObject({ installationId: 98, engineer: 'dave' });
  });

  it('asks for --engineer when a bot opened the target', async () => {
    await expect(
      createCliTask(
        t.store,
        { repository: 'octo/run-none', target: { kind: 'issue', number: 1 }, instructions: '' },
        async () => ({ installationId: 5 }),
      ),
    ).rejects.toBeInstanceOf(UsageError);
    expect(await t.store.listByRepository('octo/run-none')).toEqual([]);
  });
});

describe('follow', () => {
  it('reports every poll until the task ends', async () => {
    const created = await t.store.create(newTask({ repository: 'octo/follow' }));
    const statuses: string[] = [];
    const runner = playRunner(t.store, created.id, 'succeeded');
    const final = await follow(t.store, created.id, {
      intervalMs: 5,
      onUpdate: ({ task }) => statuses.push(task.status),
    });
    await runner;
    expect(final.status).toBe('succeeded');
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('succeeded');
    expect(statuses).toContain('running');
  });

  it('stops following when aborted, leaving the task as it is', async () => {
    const created = await t.store.create(newTask({ repository: 'octo/follow-abort' }));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 30);
    const final = await follow(t.store, created.id, { intervalMs: 5, signal: stop.signal });
    expect(final.status).toBe('queued');
  });
});

describe('progress display', () => {
  const running = (overrides: Partial<Task> = {}): Task =>
    fixture({
      id: 'T1',
      installationId: 1,
      target: { kind: 'issue', number: 1 },
      trigger: { kind: 'cli', text: '' },
      status: 'running',
      usage: usage({
        inputTokens: 12_000,
        outputTokens: 300,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.04,
        turns: 5,
      }),
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
      startedAt: '2030-01-01T00:00:00.000Z',
      finishedAt: undefined,
      version: 1,
      ...overrides,
    });
  const log = [{ at: '2030-01-01T00:00:30.000Z', phase: 'working', message: 'Ran npm test' }];

  it('rewrites one line on a terminal', () => {
    let out = '';
    const clock = { at: Date.parse('2030-01-01T00:01:05.000Z') };
    const display = createProgressDisplay(
      { write: (s: string) => (out += s), isTTY: true, columns: 200 },
      () => new Date(clock.at),
    );
    display.update({ task: running(), log });
    clock.at += 1000;
    display.update({ task: running(), log });
    display.done();
    expect(out).toBe(
      '\r\x1b[2Krunning · working · turn 5 · 12.3k tokens · $0.04 · 1m 05s · Ran npm test' +
        '\r\x1b[2Krunning · working · turn 5 · 12.3k tokens · $0.04 · 1m 06s · Ran npm test\n',
    );
  });

  it('cuts the line to the terminal width', () => {
    let out = '';
    const display = createProgressDisplay({ write: (s: string) => (out += s), isTTY: true, columns: 30 });
    display.update({ task: running(), log });
    expect(out.replace('\r\x1b[2K', '')).toHaveLength(29);
  });

  it('prints a plain line only when something but the time changed', () => {
    let out = '';
    const clock = { at: Date.parse('2030-01-01T00:01:05.000Z') };
    const display = createProgressDisplay({ write: (s: string) => (out += s) }, () => new Date(clock.at));
    display.update({ task: running(), log });
    clock.at += 1000;
    display.update({ task: running(), log });
    display.update({ task: running({ usage: { ...running().usage, turns: 6, costUsd: null } }), log });
    display.done();
    expect(out).toBe(
      'running · working · turn 5 · 12.3k tokens · $0.04 · 1m 05s · Ran npm test\n' +
        'running · working · turn 6 · 12.3k tokens · cost unknown · 1m 06s · Ran npm test\n',
    );
  });
});

describe('nightshift run (dispatch stood in for)', () => {
  it('creates the task, dispatches it, shows progress and ends 0 with the pull request', async () => {
    const { io, out } = captureIo();
    const dispatched: string[] = [];
    const code = await runCli(
      [
        'run',
        'octo/app',
        '--issue',
        '12',
        '--instructions',
        'fix it',
        '--installation',
        '42',
        '--engineer',
        'alice',
      ],
      io,
      cli(async (taskId) => {
        dispatched.push(taskId);
        await playRunner(t.store, taskId, 'succeeded');
      }),
    );
    expect(code).toBe(0);
    expect(dispatched).toHaveLength(1);
    const task = await t.store.load(dispatched[0]!);
    expect(task).toMatchObject({
      engineer: 'alice',
      trigger: { kind: 'cli', text: 'fix it', sender: 'alice' },
    });
    expect(out()).toContain(`Task ${task.id}: octo/app#12 for @alice.`);
    expect(out()).toMatch(/running · working · turn 3 · 2\.5k tokens · \$0\.12 · \S+ · Ran npm test\n/);
    expect(out()).toContain(`Task ${task.id} succeeded after`);
    expect(out()).toContain('Pull request: https://github.com/octo/app/pull/77');
    // Dispatch (in this process) reaches the same store through the environment.
    expect(io.env.DYNAMODB_ENDPOINT).toBe(t.endpoint);
    expect(io.env.TABLE_NAME).toBe(t.tableName);
    expect(io.env.NIGHTSHIFT_STORE_ACCESS_KEY_ID).toBe(t.credentials.accessKeyId);
  });

  it('ends 1 with the error when the task fails', async () => {
    const { io, out } = captureIo();
    const code = await runCli(
      ['run', 'octo/app', '--pr', '34', '--engineer', 'bob', '--installation', '42'],
      io,
      cli((taskId) => playRunner(t.store, taskId, 'failed', { error: 'the checks failed' })),
    );
    expect(code).toBe(1);
    expect(out()).toMatch(/Task \w+ failed after/);
    expect(out()).toContain('Error: the checks failed');
  });

  it('ends 1 when dispatch throws', async () => {
    const { io, err } = captureIo();
    const code = await runCli(
      ['run', 'octo/app', '--issue', '3', '--engineer', 'bob', '--installation', '42'],
      io,
      cli(async () => {
        throw new Error('APP_ID is missing');
      }),
    );
    expect(code).toBe(1);
    expect(err()).toContain('Dispatch failed: APP_ID is missing');
  });

  it('cancels the task on the first Ctrl-C', async () => {
    const capture = captureIo();
    let taskId = '';
    const code = await runCli(
      ['run', 'octo/app', '--issue', '4', '--engineer', 'bob', '--installation', '42'],
      capture.io,
      cli(async (id) => {
        taskId = id;
        const task = await t.store.transition(await t.store.load(id), 'dispatched');
        await t.store.transition(task, 'running');
        capture.interrupt();
        while (!(await t.store.load(id)).cancelRequested) await pause(5);
        await t.store.transition(await t.store.load(id), 'cancelled', {
          finishedAt: new Date().toISOString(),
        });
      }),
    );
    expect(code).toBe(1);
    expect(capture.err()).toContain('Cancelling the task');
    expect((await t.store.load(taskId)).status).toBe('cancelled');
  });

  it('refuses an engineer that is no GitHub login before touching the store', async () => {
    const { io, err } = captureIo({ USER: 'john.doe' });
    const code = await runCli(
      ['run', 'octo/app', '--issue', '1', '--engineer', 'john.doe'],
      io,
      cli(async () => {}),
    );
    expect(code).toBe(2);
    expect(err()).toContain('--engineer must be a GitHub login, not "john.doe"');
  });
});
