/** Tasks in a test store for the CLI and status-page tests: one of each interesting shape. */
import type { TaskStore } from '../../../core/store/task-store.js';
import type { NewTask, Task, TaskStatus } from '../../../core/task.js';

export const newTask = (overrides: Partial<NewTask> = {}): NewTask => ({
  repository: 'octo/app',
  installationId: 42,
  target: { kind: 'issue', number: 12 },
  trigger: { kind: 'issue_label', text: 'fix the flaky test', sender: 'alice' },
  engineer: 'alice',
  ...overrides,
});

/** Walk a task through legal statuses. */
export async function moveTo(store: TaskStore, task: Task, path: TaskStatus[]): Promise<Task> {
  let current = task;
  for (const status of path) current = await store.transition(current, status);
  return current;
}

export interface Seeded {
  succeeded: Task;
  running: Task;
  queued: Task;
}

export async function seedTasks(store: TaskStore): Promise<Seeded> {
  const first = await store.create(newTask());
  const started = await moveTo(store, first, ['dispatched']);
  const running1 = await store.transition(started, 'running', {
    startedAt: new Date(Date.now() - 125_000).toISOString(),
  });
  await store.appendLog(first.id, 'preparing', 'Cloning octo/app');
  await store.appendLog(first.id, 'working', 'Ran npm test');
  const succeeded = await store.transition(running1, 'succeeded', {
    finishedAt: new Date().toISOString(),
    usage: {
      inputTokens: 1200,
      outputTokens: 800,
      cacheReadTokens: 9000,
      cacheWriteTokens: 1000,
      costUsd: 0.42,
      turns: 7,
    },
    result: {
      pullRequestNumber: 34,
      pullRequestUrl: 'https://github.com/octo/app/pull/34',
      commitSha: 'abc1234',
      summary: 'Fixed the flaky test.',
      conclusion: 'success',
    },
  });

  const second = await store.create(
    newTask({
      repository: 'octo/lib',
      target: { kind: 'pull_request', number: 34 },
      trigger: { kind: 'pr_comment', text: 'rename the helper', sender: 'bob' },
      engineer: 'bob',
    }),
  );
  const running = await store.transition(await moveTo(store, second, ['dispatched']), 'running', {
    startedAt: new Date().toISOString(),
    usage: {
      inputTokens: 300,
      outputTokens: 50,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: null,
      turns: 1,
    },
  });

  const queued = await store.create(newTask({ target: { kind: 'issue', number: 13 }, engineer: 'carol' }));
  return { succeeded, running, queued };
}
