import { describe, expect, it } from 'vitest';
import {
  counterKey,
  deliveryKey,
  intentKey,
  itemToTask,
  lockKey,
  logSortKey,
  taskIndexAttributes,
  taskKey,
  taskToItem,
} from '../../../core/store/items.js';
import { TABLE } from '../../../core/store/table.js';
import { EMPTY_USAGE, type Task, targetKey } from '../../../core/task.js';

const task: Task = {
  id: '01J0000000000000000000000A',
  repository: 'Octo-Org/Hello.World',
  installationId: 9,
  target: { kind: 'pull_request', number: 12 },
  trigger: { kind: 'pr_comment', text: '/agent fix the tests', commentId: 5 },
  engineer: 'alice',
  status: 'running',
  attempt: 2,
  usage: { ...EMPTY_USAGE, costUsd: null },
  cancelRequested: false,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:05:00.000Z',
  version: 3,
};

describe('item layout', () => {
  it('keys each record kind', () => {
    expect(taskKey('abc')).toEqual({ pk: 'TASK#abc', sk: 'TASK' });
    expect(deliveryKey('d-1')).toEqual({ pk: 'DELIVERY#d-1', sk: 'DELIVERY' });
    expect(intentKey('i')).toEqual({ pk: 'INTENT#i', sk: 'INTENT' });
    expect(counterKey('c')).toEqual({ pk: 'COUNTER#c', sk: 'COUNTER' });
    expect(logSortKey('2030-01-01T00:00:00.000Z', '7')).toBe('LOG#2030-01-01T00:00:00.000Z#7');
  });

  it('has one lock per target, whatever the case of the repository', () => {
    expect(lockKey('Octo-Org/Hello.World', 12)).toEqual({ pk: 'LOCK#octo-org/hello.world#12', sk: 'LOCK' });
    expect(lockKey('octo-org/hello.world', 12)).toEqual(lockKey('OCTO-ORG/HELLO.WORLD', 12));
    expect(lockKey('o/r', 1).pk).toBe(`LOCK#${targetKey('o/r', { kind: 'issue', number: 1 })}`);
  });

  it('indexes a task by target, repository, status and time', () => {
    expect(taskIndexAttributes(task)).toEqual({
      gsi1pk: 'TARGET#octo-org/hello.world#12',
      gsi1sk: `2030-01-01T00:00:00.000Z#${task.id}`,
      gsi2pk: 'REPO#octo-org/hello.world',
      gsi2sk: `2030-01-01T00:00:00.000Z#${task.id}`,
      gsi3pk: 'STATUS#running',
      gsi3sk: `2030-01-01T00:05:00.000Z#${task.id}`,
      gsi4pk: 'TASK',
      gsi4sk: `2030-01-01T00:00:00.000Z#${task.id}`,
    });
    const indexKeys = Object.values(TABLE.indexes).flatMap((index) => [index.partitionKey, index.sortKey]);
    expect(Object.keys(taskIndexAttributes(task)).sort()).toEqual(indexKeys.sort());
  });

  it('maps a task to its item and back, without bookkeeping or a TTL', () => {
    const item = taskToItem({ ...task, branch: undefined });
    expect(item).toMatchObject({ pk: `TASK#${task.id}`, sk: 'TASK', entity: 'task', status: 'running' });
    expect(item).not.toHaveProperty(TABLE.ttlAttribute);
    expect(item).not.toHaveProperty('branch');
    expect(itemToTask(item)).toEqual(task);
  });
});
