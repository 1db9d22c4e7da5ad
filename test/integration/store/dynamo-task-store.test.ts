/**
 * The DynamoDB store against the embedded DynamoDB (dynalite), through the real AWS SDK.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectStore } from '../../../core/store/connect.js';
import { DynamoTaskStore } from '../../../core/store/dynamo-task-store.js';
import { lockKey } from '../../../core/store/items.js';
import {
  TaskFinishedError,
  TaskNotFoundError,
  VersionConflictError,
} from '../../../core/store/task-store.js';
import { IllegalTransitionError, type NewTask, type Task, type TaskStatus } from '../../../core/task.js';
import { type TestStore, type TestStoreOptions, startTestStore } from '../../support/dynamo.js';

const FAST_RETRY = { baseDelayMs: 2, maxDelayMs: 25, attempts: 20 };

const open: TestStore[] = [];
async function fresh(options: TestStoreOptions = {}): Promise<TestStore> {
  const t = await startTestStore({ retry: FAST_RETRY, ...options });
  open.push(t);
  return t;
}
afterAll(async () => {
  await Promise.all(open.map((t) => t.close()));
});

/** A clock the test moves by hand. */
function manualClock(start = '2030-01-01T00:00:00.000Z') {
  let at = Date.parse(start);
  return {
    now: () => new Date(at),
    advance: (ms: number) => {
      at += ms;
    },
    iso: () => new Date(at).toISOString(),
  };
}

const newTask = (overrides: Partial<NewTask> = {}): NewTask => ({
  repository: 'Octo/Repo',
  installationId: 42,
  target: { kind: 'issue', number: 7 },
  trigger: { kind: 'issue_label', text: 'please fix the flaky test' },
  engineer: 'alice',
  ...overrides,
});

async function rawItem(client: DynamoDBDocumentClient, tableName: string, key: { pk: string; sk: string }) {
  return (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
}

/** Walk a task through legal statuses to `to`. */
async function moveTo(store: DynamoTaskStore, task: Task, path: TaskStatus[]): Promise<Task> {
  let current = task;
  for (const status of path) current = await store.transition(current, status);
  return current;
}

describe('createFromDelivery', () => {
  it('creates exactly one task for 50 concurrent calls with one delivery id', async () => {
    const { store, client, tableName } = await fresh();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.createFromDelivery('delivery-1', newTask())),
    );
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const winner = created[0];
    if (!winner?.created) throw new Error('unreachable');
    const others = results.filter((r) => !r.created);
    expect(others).toHaveLength(49);
    for (const other of others) expect(other).toEqual({ created: false, taskId: winner.task.id });

    expect(await store.listRecent()).toHaveLength(1);
    expect(await store.listByTarget('octo/repo', 7)).toHaveLength(1);
    expect(await store.get(winner.task.id)).toEqual(winner.task);
    expect(winner.task).toMatchObject({
      status: 'queued',
      version: 1,
      attempt: 1,
      cancelRequested: false,
      trigger: { deliveryId: 'delivery-1' },
    });

    const delivery = await rawItem(client, tableName, { pk: 'DELIVERY#delivery-1', sk: 'DELIVERY' });
    expect(delivery?.taskId).toBe(winner.task.id);
    const sevenDays = Math.floor(Date.now() / 1000) + 7 * 24 * 3600;
    expect(Math.abs(Number(delivery?.expiresAt) - sevenDays)).toBeLessThan(60);
  });

  it('stores a task with its index keys, no TTL, and reads it back without them', async () => {
    const { store, client, tableName } = await fresh();
    const result = await store.createFromDelivery(
      'd-keys',
      newTask({ target: { kind: 'pull_request', number: 9 } }),
    );
    if (!result.created) throw new Error('expected a new task');
    const { task } = result;
    const item = await rawItem(client, tableName, { pk: `TASK#${task.id}`, sk: 'TASK' });
    expect(item).toMatchObject({
      gsi1pk: 'TARGET#octo/repo#9',
      gsi1sk: `${task.createdAt}#${task.id}`,
      gsi2pk: 'REPO#octo/repo',
      gsi2sk: `${task.createdAt}#${task.id}`,
      gsi3pk: 'STATUS#queued',
      gsi3sk: `${task.updatedAt}#${task.id}`,
      gsi4pk: 'TASK',
      gsi4sk: `${task.createdAt}#${task.id}`,
    });
    expect(item).not.toHaveProperty('expiresAt');
    const read = await store.load(task.id);
    for (const key of [
      'pk',
      'sk',
      'entity',
      'gsi1pk',
      'gsi1sk',
      'gsi2pk',
      'gsi2sk',
      'gsi3pk',
      'gsi3sk',
      'gsi4pk',
      'gsi4sk',
    ]) {
      expect(read).not.toHaveProperty(key);
    }
    expect(read).toEqual(task);
  });

  it('allows one live task per intent key, and a new one once the first has finished', async () => {
    const { store, client, tableName } = await fresh();
    const first = await store.createFromDelivery('d-1', newTask(), { intentKey: 'octo/repo#7:agent' });
    if (!first.created) throw new Error('expected a new task');
    expect(first.task.intentKey).toBe('octo/repo#7:agent');

    const second = await store.createFromDelivery('d-2', newTask(), { intentKey: 'octo/repo#7:agent' });
    expect(second).toEqual({ created: false, taskId: first.task.id });
    // The refused delivery left nothing behind: its redelivery is refused the same way.
    expect(await rawItem(client, tableName, { pk: 'DELIVERY#d-2', sk: 'DELIVERY' })).toBeUndefined();
    expect(await store.listRecent()).toHaveLength(1);

    await store.transition(first.task, 'cancelled');
    expect(
      await rawItem(client, tableName, { pk: 'INTENT#octo/repo#7:agent', sk: 'INTENT' }),
    ).toBeUndefined();

    const third = await store.createFromDelivery('d-3', newTask(), { intentKey: 'octo/repo#7:agent' });
    expect(third.created).toBe(true);
    if (!third.created) throw new Error('unreachable');
    expect(third.task.id).not.toBe(first.task.id);
    expect(await store.listRecent()).toHaveLength(2);
  });

  it('creates one task for 20 concurrent deliveries of one intent', async () => {
    const { store } = await fresh();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.createFromDelivery(`d-${i}`, newTask(), { intentKey: 'same' }),
      ),
    );
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const id = created[0]?.created ? created[0].task.id : undefined;
    for (const r of results.filter((r) => !r.created)) expect(r).toEqual({ created: false, taskId: id });
    expect(await store.listRecent()).toHaveLength(1);
  });

  it('lets an intent whose TTL has passed be taken over, even before DynamoDB deletes it', async () => {
    const clock = manualClock();
    const { store } = await fresh({ now: clock.now });
    const first = await store.createFromDelivery('d-1', newTask(), { intentKey: 'k' });
    expect(first.created).toBe(true);
    clock.advance(25 * 3600 * 1000);
    const second = await store.createFromDelivery('d-2', newTask(), { intentKey: 'k' });
    expect(second.created).toBe(true);
  });

  it('answers a known delivery before a live intent', async () => {
    const { store } = await fresh();
    const a = await store.createFromDelivery('d-a', newTask(), { intentKey: 'i-1' });
    const b = await store.createFromDelivery('d-b', newTask({ target: { kind: 'issue', number: 8 } }), {
      intentKey: 'i-2',
    });
    if (!a.created || !b.created) throw new Error('expected new tasks');
    expect(await store.createFromDelivery('d-a', newTask(), { intentKey: 'i-2' })).toEqual({
      created: false,
      taskId: a.task.id,
    });
  });
});

describe('the target lock', () => {
  it('lets one of 20 concurrent triggers on a target run and queues the other 19', async () => {
    const { store } = await fresh();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const result = await store.createFromDelivery(`delivery-${i}`, newTask());
        if (!result.created) throw new Error('each delivery is new');
        const lock = await store.acquireLock(result.task);
        if (!lock.acquired) await store.transition(result.task, 'waiting');
        return { task: result.task, lock };
      }),
    );
    const winners = outcomes.filter((o) => o.lock.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0]?.task;
    expect(await store.lockHolder('octo/repo', 7)).toBe(winner?.id);
    for (const o of outcomes.filter((o) => !o.lock.acquired)) {
      expect(o.lock).toEqual({ acquired: false, holderTaskId: winner?.id });
    }
    const tasks = await store.listByTarget('Octo/Repo', 7);
    expect(tasks).toHaveLength(20);
    expect(tasks.filter((t) => t.status === 'queued').map((t) => t.id)).toEqual([winner?.id]);
    expect(tasks.filter((t) => t.status === 'waiting')).toHaveLength(19);
    // oldest first
    const created = tasks.map((t) => `${t.createdAt}#${t.id}`);
    expect([...created].sort()).toEqual(created);
  });

  it('is idempotent for its holder, and releaseLock only releases the holder', async () => {
    const { store } = await fresh();
    const a = await store.create(newTask());
    const b = await store.create(newTask());
    expect(await store.acquireLock(a)).toEqual({ acquired: true });
    expect(await store.acquireLock(a)).toEqual({ acquired: true });
    await store.releaseLock(b); // not held by b: nothing happens
    expect(await store.lockHolder('octo/repo', 7)).toBe(a.id);
    await store.releaseLock(a);
    await store.releaseLock(a); // twice is fine
    expect(await store.lockHolder('octo/repo', 7)).toBeUndefined();
    expect(await store.acquireLock(b)).toEqual({ acquired: true });
  });

  it('is released by the transition to a terminal status', async () => {
    const { store, client, tableName } = await fresh();
    const task = await store.create(newTask());
    expect(await store.acquireLock(task)).toEqual({ acquired: true });
    const running = await moveTo(store, task, ['dispatched', 'running']);
    const done = await store.transition(running, 'succeeded', {
      result: { conclusion: 'success', summary: 'ok' },
    });
    expect(done).toMatchObject({ status: 'succeeded', version: 4, result: { conclusion: 'success' } });
    expect(done.finishedAt).toBeDefined();
    expect(await store.lockHolder('octo/repo', 7)).toBeUndefined();
    expect(await rawItem(client, tableName, lockKey('octo/repo', 7))).toBeUndefined();
    const next = await store.create(newTask());
    expect(await store.acquireLock(next)).toEqual({ acquired: true });
  });

  it("leaves another task's lock alone when a task that does not hold it finishes", async () => {
    const { store } = await fresh();
    const holder = await store.create(newTask());
    const queued = await store.create(newTask());
    await store.acquireLock(holder);
    const waiting = await store.transition(queued, 'waiting');
    await store.transition(waiting, 'cancelled');
    expect(await store.lockHolder('octo/repo', 7)).toBe(holder.id);
  });

  it('still releases the lock when it changed hands between the read and the transaction', async () => {
    const t = await fresh();
    const task = await t.store.create(newTask());
    // A client that, just before the first transaction, gives the lock to this task behind the
    // store's back: the store guessed "not held", the transaction is cancelled, and the retry deletes it.
    let interfered = false;
    const sneaky = {
      send: async (command: { constructor: { name: string } }) => {
        if (!interfered && command.constructor.name === 'TransactWriteCommand') {
          interfered = true;
          await t.client.send(
            new PutCommand({
              TableName: t.tableName,
              Item: { ...lockKey('octo/repo', 7), taskId: task.id, entity: 'lock' },
            }),
          );
        }
        return t.client.send(command as PutCommand);
      },
    } as unknown as DynamoDBDocumentClient;
    const store = new DynamoTaskStore({ client: sneaky, tableName: t.tableName, retry: FAST_RETRY });
    await store.transition(task, 'failed', { error: 'boom' });
    expect(interfered).toBe(true);
    expect(await t.store.lockHolder('octo/repo', 7)).toBeUndefined();
  });

  it('refuses a finished task', async () => {
    const { store } = await fresh();
    const task = await store.create(newTask());
    await store.transition(task, 'cancelled');
    await expect(store.acquireLock(task)).rejects.toBeInstanceOf(TaskFinishedError);
    expect(await store.lockHolder('octo/repo', 7)).toBeUndefined();
  });
});

describe('update and transition', () => {
  it('refuses a stale version and leaves the record unchanged', async () => {
    const { store } = await fresh();
    const task = await store.create(newTask());
    const updated = await store.update(task, { branch: 'nightshift/one', checkRunId: 5 });
    expect(updated).toMatchObject({ branch: 'nightshift/one', checkRunId: 5, version: 2 });

    const stale = store.update(task, { branch: 'nightshift/two' });
    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.transition(task, 'dispatched')).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.transition(task, 'failed')).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.load(task.id)).toEqual(updated);
  });

  it('reports a missing task as not found', async () => {
    const { store } = await fresh();
    const task = await store.create(newTask());
    const ghost = { ...task, id: 'nope' };
    await expect(store.update(ghost, { branch: 'x' })).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(store.transition(ghost, 'cancelled')).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(store.load('nope')).rejects.toBeInstanceOf(TaskNotFoundError);
    expect(await store.get('nope')).toBeUndefined();
    await expect(store.requestCancel('nope')).rejects.toBeInstanceOf(TaskNotFoundError);
  });

  it('removes a field given as undefined, and rejects fields update may not change', async () => {
    const { store } = await fresh();
    const task = await store.update(await store.create(newTask()), {
      leaseOwner: 'w1',
      leaseExpiresAt: 'soon',
    });
    const cleared = await store.update(task, { leaseOwner: undefined, leaseExpiresAt: undefined });
    expect(cleared).not.toHaveProperty('leaseOwner');
    expect(cleared).not.toHaveProperty('leaseExpiresAt');
    await expect(store.update(cleared, { status: 'running' } as never)).rejects.toBeInstanceOf(TypeError);
  });

  it('refuses illegal transitions without writing', async () => {
    const { store } = await fresh();
    const task = await store.create(newTask());
    await expect(store.transition(task, 'running')).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(store.transition(task, 'succeeded')).rejects.toBeInstanceOf(IllegalTransitionError);
    const done = await moveTo(store, task, ['dispatched', 'running', 'succeeded']);
    await expect(store.transition(done, 'running')).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(store.transition(done, 'queued')).rejects.toBeInstanceOf(IllegalTransitionError);
    expect(await store.load(task.id)).toEqual(done);
  });

  it('stamps startedAt on running, finishedAt on the end, and moves the status index', async () => {
    const clock = manualClock();
    const { store, client, tableName } = await fresh({ now: clock.now });
    const task = await store.create(newTask());
    clock.advance(1000);
    const dispatched = await store.transition(task, 'dispatched', { runnerId: 'arn:task/1' });
    expect(dispatched).toMatchObject({ runnerId: 'arn:task/1', updatedAt: clock.iso(), version: 2 });
    expect(dispatched).not.toHaveProperty('startedAt');
    clock.advance(1000);
    const running = await store.transition(dispatched, 'running');
    expect(running.startedAt).toBe(clock.iso());
    clock.advance(1000);
    const failed = await store.transition(running, 'failed', { error: 'tests failed' });
    expect(failed).toMatchObject({
      status: 'failed',
      error: 'tests failed',
      startedAt: running.startedAt,
      finishedAt: clock.iso(),
      updatedAt: clock.iso(),
      version: 4,
    });
    const item = await rawItem(client, tableName, { pk: `TASK#${task.id}`, sk: 'TASK' });
    expect(item).toMatchObject({ gsi3pk: 'STATUS#failed', gsi3sk: `${clock.iso()}#${task.id}` });
  });
});

describe('lists', () => {
  it('lists a repository and all tasks newest first, with a limit', async () => {
    const clock = manualClock();
    const { store } = await fresh({ now: clock.now });
    const a: Task[] = [];
    for (let i = 0; i < 5; i++) {
      a.push(
        await store.create(
          newTask({ repository: i % 2 ? 'Octo/A' : 'octo/a', target: { kind: 'issue', number: i } }),
        ),
      );
      clock.advance(1000);
    }
    const b = await store.create(newTask({ repository: 'octo/b' }));
    const ids = (tasks: Task[]) => tasks.map((t) => t.id);
    const newestA = ids([...a].reverse());

    expect(ids(await store.listByRepository('OCTO/A'))).toEqual(newestA);
    expect(ids(await store.listByRepository('octo/a', 3))).toEqual(newestA.slice(0, 3));
    expect(ids(await store.listByRepository('octo/b'))).toEqual([b.id]);
    expect(ids(await store.listRecent(2))).toEqual([b.id, ...newestA.slice(0, 1)]);
    expect(ids(await store.listRecent())).toEqual([b.id, ...newestA]);
    expect(await store.listByRepository('octo/none')).toEqual([]);
  });

  it('orders tasks created in the same millisecond by creation', async () => {
    const clock = manualClock();
    const { store } = await fresh({ now: clock.now });
    const created: string[] = [];
    for (let i = 0; i < 8; i++) created.push((await store.create(newTask())).id);
    expect((await store.listRecent()).map((t) => t.id)).toEqual([...created].reverse());
    expect((await store.listByTarget('octo/repo', 7)).map((t) => t.id)).toEqual(created);
  });

  it('lists tasks of a status not updated since a time', async () => {
    const clock = manualClock('2030-01-01T00:00:00.000Z');
    const { store } = await fresh({ now: clock.now });
    const old = await moveTo(store, await store.create(newTask()), ['dispatched', 'running']);
    const oldQueued = await store.create(newTask({ target: { kind: 'issue', number: 2 } }));
    clock.advance(10 * 60_000);
    const recent = await moveTo(
      store,
      await store.create(newTask({ target: { kind: 'issue', number: 3 } })),
      ['dispatched', 'running'],
    );
    const cutoff = new Date(Date.parse('2030-01-01T00:05:00.000Z')).toISOString();
    expect((await store.listStale('running', cutoff)).map((t) => t.id)).toEqual([old.id]);
    expect((await store.listStale('queued', cutoff)).map((t) => t.id)).toEqual([oldQueued.id]);
    expect((await store.listStale('running', clock.iso())).map((t) => t.id)).toEqual([old.id]);
    clock.advance(1);
    expect((await store.listStale('running', clock.iso())).map((t) => t.id)).toEqual([old.id, recent.id]);
    // Renewing the lease is an update: the task is no longer stale.
    await store.update(old, { leaseExpiresAt: clock.iso() });
    expect((await store.listStale('running', cutoff)).map((t) => t.id)).toEqual([]);
  });
});

describe('cancel, counters, logs', () => {
  it('makes a cancel request visible to another reader and bumps the version', async () => {
    const t = await fresh();
    const task = await t.store.create(newTask());
    const cancelled = await t.store.requestCancel(task.id);
    expect(cancelled).toMatchObject({ cancelRequested: true, version: 2, status: 'queued' });
    const other = new DynamoTaskStore({ client: t.client, tableName: t.tableName });
    expect((await other.load(task.id)).cancelRequested).toBe(true);
    await expect(t.store.update(task, { branch: 'x' })).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('counts', async () => {
    const { store } = await fresh();
    expect(await store.counter('ci-fix:octo/repo#3')).toBe(0);
    expect(await store.increment('ci-fix:octo/repo#3')).toBe(1);
    expect(await store.increment('ci-fix:octo/repo#3')).toBe(2);
    await Promise.all(Array.from({ length: 20 }, () => store.increment('ci-fix:octo/repo#3')));
    expect(await store.counter('ci-fix:octo/repo#3')).toBe(22);
    expect(await store.counter('other')).toBe(0);
  });

  it('claims a memo once until it expires, even when claimed concurrently', async () => {
    const clock = manualClock();
    const { store, client, tableName } = await fresh({ now: clock.now });
    const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimMemo('refusal#a', 3600)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claimMemo('refusal#b', 3600)).toBe(true);
    const item = await rawItem(client, tableName, { pk: 'MEMO#refusal#a', sk: 'MEMO' });
    expect(item?.expiresAt).toBe(Date.parse('2030-01-01T01:00:00.000Z') / 1000);
    clock.advance(3599_000);
    expect(await store.claimMemo('refusal#a', 3600)).toBe(false);
    clock.advance(1_000); // expired, though DynamoDB's TTL may not have deleted it yet
    expect(await store.claimMemo('refusal#a', 3600)).toBe(true);
    expect(await store.claimMemo('refusal#a', 3600)).toBe(false);
  });

  it("keeps a task's log in order, apart from the task and other tasks", async () => {
    const clock = manualClock();
    const { store, client, tableName } = await fresh({ now: clock.now });
    const task = await store.create(newTask());
    const other = await store.create(newTask());
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      lines.push(`line ${i}`);
      await store.appendLog(task.id, i < 6 ? 'clone' : 'agent', `line ${i}`);
      if (i % 4 === 3) clock.advance(1); // several lines share a millisecond
    }
    await store.appendLog(other.id, 'clone', 'elsewhere');
    const log = await store.readLog(task.id);
    expect(log.map((entry) => entry.message)).toEqual(lines);
    expect(log[0]).toEqual({ at: '2030-01-01T00:00:00.000Z', phase: 'clone', message: 'line 0' });
    expect(log[11]?.phase).toBe('agent');
    expect(await store.readLog(other.id)).toEqual([expect.objectContaining({ message: 'elsewhere' })]);
    expect(await store.readLog('nobody')).toEqual([]);
    expect(await store.load(task.id)).toEqual(task);
    expect(await store.listRecent()).toHaveLength(2);

    const item =
      (await store.readLog(task.id)) &&
      (await rawItem(client, tableName, { pk: `TASK#${task.id}`, sk: 'TASK' }));
    expect(item?.id).toBe(task.id);
  });
});

describe("under DynamoDB's transaction conflicts", () => {
  /** Counts the transactions DynamoDB-style conflicts cancelled (the store retries them). */
  function countingConflicts(t: TestStore) {
    const counter = { conflicts: 0 };
    const client = {
      send: async (command: PutCommand) => {
        try {
          return await t.client.send(command);
        } catch (error) {
          const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
          if (reasons.some((reason) => reason.Code === 'TransactionConflict')) counter.conflicts++;
          throw error;
        }
      },
    } as unknown as DynamoDBDocumentClient;
    // The production pauses; more attempts than production so that a loaded CI machine (slower
    // transactions, so more of them overlap) cannot make the test flaky.
    const store = new DynamoTaskStore({ client, tableName: t.tableName, retry: { attempts: 40 } });
    return { store, counter };
  }

  it('retries conflicts until 50 concurrent calls with one delivery id have a definite answer', async () => {
    const t = await fresh({ transactionConflicts: 'cancel' });
    const { store, counter } = countingConflicts(t);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => store.createFromDelivery('delivery-1', newTask(), { intentKey: 'i' })),
    );
    expect(counter.conflicts).toBeGreaterThan(0);
    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const id = created[0]?.created ? created[0].task.id : undefined;
    for (const r of results.filter((r) => !r.created)) expect(r).toEqual({ created: false, taskId: id });
    expect(await store.listRecent()).toHaveLength(1);
  });

  it('retries conflicts on the lock: one of 20 runs, 19 wait', async () => {
    const t = await fresh({ transactionConflicts: 'cancel' });
    const { store, counter } = countingConflicts(t);
    const tasks = await Promise.all(Array.from({ length: 20 }, () => store.create(newTask())));
    const locks = await Promise.all(tasks.map((task) => store.acquireLock(task)));
    expect(counter.conflicts).toBeGreaterThan(0);
    expect(locks.filter((lock) => lock.acquired)).toHaveLength(1);
    const holder = await store.lockHolder('octo/repo', 7);
    expect(locks.filter((lock) => !lock.acquired)).toEqual(
      Array.from({ length: 19 }, () => ({ acquired: false, holderTaskId: holder })),
    );
    // Everyone finishes at once; the lock is gone afterwards.
    await Promise.all(tasks.map((task) => store.transition(task, 'cancelled')));
    expect(await store.lockHolder('octo/repo', 7)).toBeUndefined();
  });

  it('installation slots: 40 tasks take slots at once with a limit of 5 → exactly 5; ends give them back, once', async () => {
    const t = await fresh({ transactionConflicts: 'cancel' });
    const { store, counter } = countingConflicts(t);
    const tasks = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        store.create(newTask({ target: { kind: 'issue', number: 100 + i } })),
      ),
    );
    const other = await store.create(newTask({ installationId: 43 }));
    const [slots] = await Promise.all([
      Promise.all(tasks.map((task) => store.acquireSlot(task, 5))),
      store.acquireSlot(other, 5),
    ]);
    expect(counter.conflicts).toBeGreaterThan(0);
    const holders = tasks.filter((_, i) => slots[i]?.acquired);
    expect(holders).toHaveLength(5);
    expect(slots.filter((s) => !s.acquired)).toEqual(
      Array.from({ length: 35 }, () => ({ acquired: false, running: 5, limit: 5 })),
    );
    expect(await store.slotUsage(42)).toEqual({ running: 5, limit: 5 });
    expect(await store.slotUsage(43)).toEqual({ running: 1, limit: 5 }); // its own installation
    // A holder asking again keeps its one slot.
    expect(await store.acquireSlot(holders[0]!, 5)).toEqual({ acquired: true });
    expect((await store.slotUsage(42)).running).toBe(5);

    // Every task ends at once, holders and waiters: each holder's slot comes back exactly once.
    const live = await Promise.all(tasks.map((task) => store.load(task.id)));
    await Promise.all(live.map((task) => store.transition(task, 'cancelled')));
    expect(await store.slotUsage(42)).toEqual({ running: 0, limit: 5 });
    // A finished task takes no slot.
    await expect(store.acquireSlot(live[0]!, 5)).rejects.toBeInstanceOf(TaskFinishedError);
    expect((await store.slotUsage(42)).running).toBe(0);
  });
});

describe('persistence', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps tasks in a path-backed embedded store across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nightshift-store-'));
    dirs.push(dir);
    const env = { TABLE_NAME: 'persisted' };

    const first = await connectStore(env, { embeddedPath: dir });
    const created = await first.store.createFromDelivery('d-persist', newTask(), { intentKey: 'persist' });
    if (!created.created) throw new Error('expected a new task');
    await first.store.appendLog(created.task.id, 'clone', 'hello');
    await first.close();

    const second = await connectStore(env, { embeddedPath: dir });
    try {
      expect(await second.store.get(created.task.id)).toEqual(created.task);
      expect(await second.store.readLog(created.task.id)).toHaveLength(1);
      expect(await second.store.createFromDelivery('d-persist', newTask())).toEqual({
        created: false,
        taskId: created.task.id,
      });
    } finally {
      await second.close();
    }
  });
});
