/**
 * The small records: counters, memos (core/store/records/counters.ts, memos.ts) and a task's log
 * (records/task-log.ts).
 */
import { describe, expect, it } from 'vitest';
import { manualClock, newTask, rawItem, storesForFile } from '../../support/store-fixtures.js';

const fresh = storesForFile();

describe('counters, memos, logs', () => {
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
