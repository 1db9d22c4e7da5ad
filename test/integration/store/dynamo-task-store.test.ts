/**
 * The DynamoDB store as a whole, against the embedded DynamoDB (dynalite), through the real AWS SDK:
 * what no one record kind owns. Each record kind has its own file beside this one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { connectStore } from '../../../core/store/connect.js';
import { DynamoTaskStore } from '../../../core/store/dynamo-task-store.js';
import {
  TaskFinishedError,
  TaskNotFoundError,
  VersionConflictError,
} from '../../../core/store/task-store.js';
import { FAST_RETRY, newTask, storesForFile } from '../../support/store-fixtures.js';

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

describe('a refused condition', () => {
  const fresh = storesForFile();

  /** The store over a client that counts the reads (GetItem) it sends. */
  async function countingReads() {
    const t = await fresh();
    const reads = { count: 0 };
    const client = {
      send: (command: { constructor: { name: string } }) => {
        if (command.constructor.name === 'GetCommand') reads.count++;
        return t.client.send(command as GetCommand);
      },
    } as unknown as DynamoDBDocumentClient;
    return { store: new DynamoTaskStore({ client, tableName: t.tableName, retry: FAST_RETRY }), reads };
  }

  it('is answered from the item the condition saw, with no read after it', async () => {
    const { store, reads } = await countingReads();
    const first = await store.createFromDelivery('d-1', newTask(), { intentKey: 'i' });
    if (!first.created) throw new Error('expected a new task');
    const holder = first.task;
    await store.acquireLock(holder);
    await store.acquireSlot(holder, 1);
    const other = await store.create(newTask());
    await store.claimEngineer('octo/repo', 7, 'alice');
    const updated = await store.update(holder, { branch: 'nightshift/one' });

    reads.count = 0;
    expect(await store.createFromDelivery('d-1', newTask())).toEqual({ created: false, taskId: holder.id });
    expect(await store.createFromDelivery('d-2', newTask(), { intentKey: 'i' })).toEqual({
      created: false,
      taskId: holder.id,
    });
    expect(await store.acquireLock(other)).toEqual({ acquired: false, holderTaskId: holder.id });
    expect(await store.acquireSlot(other, 1)).toEqual({ acquired: false, running: 1, limit: 1 });
    expect(await store.claimEngineer('octo/repo', 7, 'bob')).toBe('alice');
    await expect(store.update(holder, { branch: 'stale' })).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.update({ ...holder, id: 'nope' }, {})).rejects.toBeInstanceOf(TaskNotFoundError);
    expect(reads.count).toBe(0);

    // The same for a finished task: its end is read from the refused write, not again.
    const done = await store.transition(updated, 'cancelled');
    reads.count = 0;
    await expect(store.update(done, { branch: 'late' })).rejects.toBeInstanceOf(TaskFinishedError);
    await expect(store.acquireLock(done)).rejects.toBeInstanceOf(TaskFinishedError);
    await expect(store.acquireSlot(done, 1)).rejects.toBeInstanceOf(TaskFinishedError);
    expect(reads.count).toBe(0);
  });
});
