/**
 * The polite "no permission" reply, at most once per person per target per hour: ten `/agent fix`
 * comments from someone without write access get one answer, not ten. The decision is a
 * conditional put of an expiring memo in the store, so concurrent dispatches of those comments
 * agree on which one replies; the others are logged and answered with silence.
 */
import type { Logger } from 'pino';
import type { RepositoryGateway } from '../../core/github/repository-gateway.js';
import type { TaskStore } from '../../core/store/task-store.js';
import type { Task } from '../../core/task.js';

export const REFUSAL_REPLY_INTERVAL_SECONDS = 60 * 60;

/** The memo's key: one per repository, target and person (logins are case-insensitive). */
export function refusalMemoKey(repository: string, targetNumber: number, login: string): string {
  return `refusal#${repository.toLowerCase()}#${targetNumber}#${login.toLowerCase()}`;
}

/** Post `body` on the task's target unless this person was answered there within the hour. */
export async function replyToRefusal(
  store: TaskStore,
  gateway: RepositoryGateway,
  log: Logger,
  task: Pick<Task, 'id' | 'repository' | 'target'>,
  login: string,
  body: string,
): Promise<boolean> {
  const key = refusalMemoKey(task.repository, task.target.number, login);
  if (!(await store.claimMemo(key, REFUSAL_REPLY_INTERVAL_SECONDS))) {
    log.info({ taskId: task.id, login }, 'refused again within the hour: not replying again');
    return false;
  }
  await gateway.upsertComment(task.target.number, task, 'notice', body);
  return true;
}
