/**
 * Deliveries and intents (core/store/records/deliveries.ts): one task per delivery and per live
 * intent, however many arrive at once, also when DynamoDB cancels transactions that overlap.
 */
import { describe, expect, it } from 'vitest';
import {
  countingConflicts,
  manualClock,
  newTask,
  rawItem,
  storesForFile,
} from '../../support/store-fixtures.js';

const fresh = storesForFile();

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
});
