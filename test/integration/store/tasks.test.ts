/**
 * Task records (core/store/records/tasks.ts): versions, transitions, the cancel flag.
 */
import { describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../../core/store/dynamo-task-store.js';
import { TaskNotFoundError, VersionConflictError } from '../../../core/store/task-store.js';
import { IllegalTransitionError } from '../../../core/task.js';
import { manualClock, moveTo, newTask, rawItem, storesForFile } from '../../support/store-fixtures.js';

const fresh = storesForFile();

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

  it('makes a cancel request visible to another reader and bumps the version', async () => {
    const t = await fresh();
    const task = await t.store.create(newTask());
    const cancelled = await t.store.requestCancel(task.id);
    expect(cancelled).toMatchObject({ cancelRequested: true, version: 2, status: 'queued' });
    const other = new DynamoTaskStore({ client: t.client, tableName: t.tableName });
    expect((await other.load(task.id)).cancelRequested).toBe(true);
    await expect(t.store.update(task, { branch: 'x' })).rejects.toBeInstanceOf(VersionConflictError);
  });
});
