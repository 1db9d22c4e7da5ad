/** Tasks for tests that need a record, not a store: a finished, priced issue task unless overridden. */
import type { Task, Usage } from '../../core/task.js';

export const NOW = new Date('2030-06-30T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

/** An ISO time `days` (and `seconds`) before NOW. */
export function ago(days: number, seconds = 0): string {
  return new Date(NOW.getTime() - days * DAY - seconds * 1000).toISOString();
}

export function usage(overrides: Partial<Usage> = {}): Usage {
  return {
    inputTokens: 1000,
    outputTokens: 500,
    cacheReadTokens: 8000,
    cacheWriteTokens: 500,
    costUsd: 0.25,
    turns: 4,
    ...overrides,
  };
}

let counter = 0;

export function task(overrides: Partial<Task> = {}): Task {
  counter += 1;
  return {
    id: `01TASK${String(counter).padStart(20, '0')}`,
    repository: 'octo/app',
    installationId: 42,
    target: { kind: 'issue', number: 12 },
    trigger: { kind: 'issue_label', text: 'fix the flaky test', sender: 'alice' },
    engineer: 'alice',
    status: 'succeeded',
    attempt: 1,
    usage: usage(),
    cancelRequested: false,
    createdAt: ago(1),
    updatedAt: ago(1),
    startedAt: ago(1),
    finishedAt: ago(1, -125),
    version: 5,
    ...overrides,
  };
}
