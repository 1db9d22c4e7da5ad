/**
 * Who pays for a task. Spend is charged to the person who triggered it (the requester); the
 * responsible engineer of the pull request stays who it is assigned to and who reviews it. A task
 * the app starts itself (a CI fix) has no person asking: it is charged to the responsible engineer,
 * whose pull request it works on.
 */
import type { Task } from './task.js';

export function requesterFor(
  startedBy: 'person' | 'app',
  sender: string | undefined,
  engineer: string,
): string {
  return startedBy === 'person' && sender ? sender : engineer;
}

/** The requester of a task; a record from before requesters were kept was charged to its engineer. */
export function requesterOf(task: Pick<Task, 'requester' | 'engineer'>): string {
  return task.requester ?? task.engineer;
}

/** `alice`, or `alice (asked by bob)` when someone else triggered the task. */
export function whoLabel(task: Pick<Task, 'requester' | 'engineer'>): string {
  const requester = requesterOf(task);
  return requester.toLowerCase() === task.engineer.toLowerCase()
    ? task.engineer
    : `${task.engineer} (asked by ${requester})`;
}
