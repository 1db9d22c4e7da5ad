/**
 * The target's lock (core/store/records/target-locks.ts, released by records/task-end.ts).
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../../core/store/dynamo-task-store.js';
import { lockKey } from '../../../core/store/items.js';
import { TaskFinishedError } from '../../../core/store/task-store.js';
import {
  FAST_RETRY,
  countingConflicts,
  moveTo,
  newTask,
  rawItem,
  storesForFile,
} from '../../support/store-fixtures.js';

const fresh = storesForFile();

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
});
