/** A task's session log in the store (core/store/records/session-log.ts): in order, bounded, read on. */
import { describe, expect, it } from 'vitest';
import type { SessionEntry } from '../../../core/session-log/entries.js';
import { MAX_ENTRY_CHARS } from '../../../core/session-log/entries.js';
import { rawItem, storesForFile } from '../../support/store-fixtures.js';

const fresh = storesForFile();
const at = '2030-01-01T00:00:00.000Z';
const tool = (turn: number, result: string, action = `bash: step ${turn}`): SessionEntry => ({
  kind: 'tool',
  at,
  turn,
  tool: 'bash',
  action,
  result,
  isError: false,
  durationMs: 10,
});

describe('the session log record', () => {
  it('keeps entries in their order, per task, and reads on after the last one a reader has', async () => {
    const { store } = await fresh();
    // Numbered 0…11: the keys sort as the numbers do, past 9 too.
    for (let seq = 0; seq < 12; seq++) await store.appendSessionEntry('T1', seq, tool(seq, `out ${seq}`));
    await store.appendSessionEntry('T2', 0, tool(0, 'elsewhere'));
    const all = await store.readSession('T1');
    expect(all.map((s) => s.seq)).toEqual([...Array(12).keys()]);
    expect(all[10]?.entry).toEqual(tool(10, 'out 10'));
    expect((await store.readSession('T1', 9)).map((s) => s.seq)).toEqual([10, 11]);
    expect(await store.readSession('T1', 11)).toEqual([]);
    expect((await store.readSession('T2')).map((s) => s.entry)).toEqual([tool(0, 'elsewhere')]);
    expect(await store.readSession('nobody')).toEqual([]);
    // The progress log beside it is not mixed in, nor the other way round.
    await store.appendLog('T1', 'working', 'a line');
    expect(await store.readSession('T1')).toHaveLength(12);
    expect(await store.readLog('T1')).toHaveLength(1);
  });

  it('bounds each item whatever a tool printed, keeping the end of the output, and expires it', async () => {
    const { store, client, tableName } = await fresh();
    const huge = `${'x'.repeat(300_000)}\nFAILED: expected 5`;
    await store.appendSessionEntry('T3', 0, tool(1, huge, 'y'.repeat(10_000)));
    const item = await rawItem(client, tableName, { pk: 'TASK#T3', sk: 'SESSION#00000000' });
    expect(String(item?.entry).length).toBeLessThan(MAX_ENTRY_CHARS);
    expect(typeof item?.expiresAt).toBe('number');
    const [stored] = await store.readSession('T3');
    expect(stored?.entry.kind === 'tool' && stored.entry.result.endsWith('FAILED: expected 5')).toBe(true);
  });
});
