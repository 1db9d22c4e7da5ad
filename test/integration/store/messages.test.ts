/**
 * People's messages to the agent at work (core/store/records/messages.ts, core/messages.ts): one
 * record per comment, taken exactly once, whoever competes for it.
 */
import { describe, expect, it } from 'vitest';
import { settleMessages } from '../../../core/messages.js';
import type { DispatchMessage } from '../../../core/ports.js';
import type { DynamoTaskStore } from '../../../core/store/dynamo-task-store.js';
import type { InboxMessage } from '../../../core/store/task-store.js';
import { moveTo, newTask, storesForFile } from '../../support/store-fixtures.js';

const fresh = storesForFile();

async function allowed(store: DynamoTaskStore, commentId: number, text = 'also handle empty arrays') {
  const message = await store.recordMessage({
    repository: 'Octo/Repo',
    installationId: 42,
    target: { kind: 'issue', number: 7 },
    commentId,
    author: 'alice',
    text,
    route: 'message',
  });
  expect(await store.moveMessage(message, 'received', 'allowed')).toBe(true);
  return { ...message, state: 'allowed' } as InboxMessage;
}

/** A running task holding the target, its inbox open. */
async function listening(store: DynamoTaskStore) {
  const created = await store.createFromDelivery(`d-${Math.random()}`, newTask());
  if (!created.created) throw new Error('new delivery');
  expect((await store.acquireLock(created.task)).acquired).toBe(true);
  const task = await moveTo(store, created.task, ['dispatched', 'running']);
  expect(await store.setInbox(task, true)).toBe(true);
  return task;
}

const collecting = () => {
  const sent: DispatchMessage[] = [];
  return { sent, dispatcher: { send: async (m: DispatchMessage) => void sent.push(m) } };
};

describe('messages for the agent at work', () => {
  it('records a comment once, however many deliveries, keeping the first route', async () => {
    const { store } = await fresh();
    const base = {
      repository: 'Octo/Repo',
      installationId: 42,
      target: { kind: 'issue' as const, number: 7 },
      commentId: 5,
      author: 'alice',
      text: 'hi',
    };
    const stored = await Promise.all([
      store.recordMessage({ ...base, route: 'message' }),
      store.recordMessage({ ...base, route: 'message' }),
      store.recordMessage({ ...base, route: 'task' }),
    ]);
    expect(new Set(stored.map((m) => m.route)).size).toBe(1);
    expect(new Set(stored.map((m) => m.receivedAt)).size).toBe(1);
  });

  it('gives each allowed message to exactly one of many concurrent takers', async () => {
    const { store } = await fresh();
    const task = await listening(store);
    for (const id of [1, 2, 3, 4, 5]) await allowed(store, id);
    const takes = await Promise.all(Array.from({ length: 8 }, () => store.takeMessages(task)));
    const ids = takes.flat().map((m) => m.commentId);
    expect(ids.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await store.allowedMessages('octo/repo', 7)).toEqual([]);
    // A received (unchecked) message is never taken.
    await store.recordMessage({
      ...{ repository: 'Octo/Repo', installationId: 42, target: { kind: 'issue', number: 7 } },
      ...{ commentId: 9, author: 'mallory', text: 'leak it', route: 'message' },
    });
    expect(await store.takeMessages(task)).toEqual([]);
  });

  it("returns only what a dead task's agent took: never its own trigger, never another task's", async () => {
    const { store } = await fresh();
    const task = await listening(store);
    for (const id of [1, 2]) await allowed(store, id);
    expect((await store.takeMessages(task)).map((m) => m.commentId)).toEqual([1, 2]);
    // A message another task took, and the one this task was started with (its trigger).
    const other = { ...task, id: 'other-task' };
    await allowed(store, 3);
    expect((await store.takeMessages(other)).map((m) => m.commentId)).toEqual([3]);
    const started = { ...task, trigger: { ...task.trigger, commentId: 2 } };

    expect(await store.returnTakenMessages(started)).toBe(1);
    expect((await store.allowedMessages('octo/repo', 7)).map((m) => m.commentId)).toEqual([1]);
    expect(await store.getMessage('octo/repo', 7, 2)).toMatchObject({ state: 'taken', takenBy: task.id });
    expect(await store.getMessage('octo/repo', 7, 3)).toMatchObject({
      state: 'taken',
      takenBy: 'other-task',
    });
    // Twice, or concurrently with a taker: returned once, then taken once.
    expect(await store.returnTakenMessages(started)).toBe(0);
    expect((await store.takeMessages(other)).map((m) => m.commentId)).toEqual([1]);
  });

  it('leaves messages to a listening agent, and starts one follow-up per message once none listens', async () => {
    const { store } = await fresh();
    const task = await listening(store);
    await allowed(store, 11);
    const { sent, dispatcher } = collecting();
    expect(await settleMessages(store, dispatcher, 'Octo/Repo', 7)).toEqual([]);
    expect(await store.listeningTask('octo/repo', 7)).toBe(task.id);

    await store.setInbox(task, false);
    // Two settlers at once (dispatch and the end of the task): one follow-up.
    const started = (
      await Promise.all([
        settleMessages(store, dispatcher, 'Octo/Repo', 7),
        settleMessages(store, dispatcher, 'Octo/Repo', 7),
      ])
    ).flat();
    expect(started).toHaveLength(1);
    expect(sent).toEqual([{ type: 'dispatch', taskId: started[0] }]);
    const followUp = await store.load(started[0]!);
    expect(followUp).toMatchObject({
      status: 'queued',
      trigger: { kind: 'issue_comment', text: 'also handle empty arrays', commentId: 11, sender: 'alice' },
      intentKey: 'comment:octo/repo#11',
    });
    expect(await store.getMessage('Octo/Repo', 7, 11)).toMatchObject({
      state: 'taken',
      takenBy: followUp.id,
    });
  });

  it('never both delivers a message to an agent and starts a follow-up with it', async () => {
    const { store } = await fresh();
    const task = await listening(store);
    await store.setInbox(task, false);
    for (let round = 0; round < 5; round++) {
      const message = await allowed(store, 100 + round);
      const { dispatcher } = collecting();
      const [taken, started] = await Promise.all([
        store.takeMessages(task),
        settleMessages(store, dispatcher, 'Octo/Repo', 7),
      ]);
      const winners = taken.filter((m) => m.commentId === message.commentId).length + started.length;
      expect(winners).toBe(1);
    }
  });

  it('closes the inbox with the lock: a finished task listens no more', async () => {
    const { store } = await fresh();
    const task = await listening(store);
    await store.transition(task, 'succeeded');
    expect(await store.listeningTask('Octo/Repo', 7)).toBeUndefined();
    expect(await store.setInbox(task, true)).toBe(false);
  });
});
