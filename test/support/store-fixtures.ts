/**
 * What the store's tests share: fresh stores for one test file (closed after it), a clock moved by
 * hand, a new task's input, a raw read of an item, a walk through statuses, and a store whose
 * client counts the transactions DynamoDB-style conflicts cancelled.
 */
import { type DynamoDBDocumentClient, GetCommand, type PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll } from 'vitest';
import { DynamoTaskStore } from '../../core/store/dynamo-task-store.js';
import type { NewTask, Task, TaskStatus } from '../../core/task.js';
import { type TestStore, type TestStoreOptions, startTestStore } from './dynamo.js';

export const FAST_RETRY = { baseDelayMs: 2, maxDelayMs: 25, attempts: 20 };

/** `fresh()` for one test file: a store with a table of its own; all are closed after the file. */
export function storesForFile(): (options?: TestStoreOptions) => Promise<TestStore> {
  const open: TestStore[] = [];
  afterAll(async () => {
    await Promise.all(open.map((t) => t.close()));
  });
  return async (options = {}) => {
    const t = await startTestStore({ retry: FAST_RETRY, ...options });
    open.push(t);
    return t;
  };
}

/** A clock the test moves by hand. */
export function manualClock(start = '2030-01-01T00:00:00.000Z') {
  let at = Date.parse(start);
  return {
    now: () => new Date(at),
    advance: (ms: number) => {
      at += ms;
    },
    iso: () => new Date(at).toISOString(),
  };
}

export const newTask = (overrides: Partial<NewTask> = {}): NewTask => ({
  repository: 'Octo/Repo',
  installationId: 42,
  target: { kind: 'issue', number: 7 },
  trigger: { kind: 'issue_label', text: 'please fix the flaky test' },
  engineer: 'alice',
  ...overrides,
});

export async function rawItem(
  client: DynamoDBDocumentClient,
  tableName: string,
  key: { pk: string; sk: string },
) {
  return (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
}

/** Walk a task through legal statuses to `to`. */
export async function moveTo(store: DynamoTaskStore, task: Task, path: TaskStatus[]): Promise<Task> {
  let current = task;
  for (const status of path) current = await store.transition(current, status);
  return current;
}

/** A store that counts the transactions DynamoDB-style conflicts cancelled (it retries them). */
export function countingConflicts(t: TestStore) {
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
