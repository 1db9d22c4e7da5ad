import { describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  TERMINAL_STATUSES,
  type TaskStatus,
  assertTransition,
  canTransition,
  isTerminal,
} from '../../../core/task.js';

const ALL: TaskStatus[] = ['queued', 'waiting', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled'];

/** The state machine as the design means it, written out independently of core/task.ts. */
const LEGAL: Record<TaskStatus, TaskStatus[]> = {
  queued: ['dispatched', 'waiting', 'failed', 'cancelled'],
  waiting: ['queued', 'failed', 'cancelled'],
  dispatched: ['running', 'waiting', 'failed', 'cancelled'],
  running: ['succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

const pairs = ALL.flatMap((from) => ALL.map((to) => [from, to, LEGAL[from].includes(to)] as const));

describe('the task state machine', () => {
  it.each(pairs.filter(([, , legal]) => legal))('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition('t1', from, to)).not.toThrow();
  });

  it.each(pairs.filter(([, , legal]) => !legal))('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let thrown: unknown;
    try {
      assertTransition('t1', from, to);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    expect(thrown).toMatchObject({ name: 'IllegalTransitionError', taskId: 't1', from, to });
    expect((thrown as Error).message).toBe(`task t1: cannot move from ${from} to ${to}`);
  });

  it('knows the terminal statuses, which lead nowhere', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['cancelled', 'failed', 'succeeded']);
    for (const status of ALL) {
      expect(isTerminal(status)).toBe(TERMINAL_STATUSES.includes(status));
      if (isTerminal(status)) expect(ALL.filter((to) => canTransition(status, to))).toEqual([]);
    }
  });

  it('lets every non-terminal status fail or be cancelled, and never go back to itself', () => {
    for (const status of ALL.filter((s) => !isTerminal(s))) {
      expect(canTransition(status, 'failed')).toBe(true);
      expect(canTransition(status, 'cancelled')).toBe(true);
      expect(canTransition(status, status)).toBe(false);
    }
  });
});
