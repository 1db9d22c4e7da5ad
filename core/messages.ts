/**
 * A person's words for the agent at work (`/agent <words>`): where they go, so that none is lost
 * and none is delivered twice. A message is taken exactly once (a conditional write on its record,
 * core/store/records/messages.ts): by the agent listening on its target, before its next model
 * request, or by the follow-up task it starts when no agent listens any more.
 *
 * Why none is lost: dispatch allows a message and then looks for a listener; a task closes its
 * inbox (after its agent's last turn) and, once it has ended, its target's allowed messages are
 * settled here (`promoteNext`). Both look with strongly consistent reads of the same two items
 * after their own write, so at least one of them sees the other's: either dispatch sees the inbox
 * closed and starts the follow-up, or the settling after the end sees the allowed message. Both may
 * try; the follow-up's creation takes the message in the same transaction, so only one succeeds.
 * And an agent whose process dies after taking a message (functions/runner-stopped.ts) gives it
 * back before its target is settled: the words start a follow-up like late ones.
 */
import type { Dispatcher } from './ports.js';
import type { InboxMessage, TaskStore } from './store/task-store.js';
import type { NewTask, TriggerKind } from './task.js';

/** The kind of task a message starts on each target: as `/agent <words>` or `/agent fix <words>`. */
const FOLLOW_UP_KIND: Record<InboxMessage['target']['kind'], TriggerKind> = {
  issue: 'issue_comment',
  pull_request: 'pr_comment',
};

/** The intent a comment's task serves, whichever way it started: one live task per comment. */
export function commentIntent(repository: string, commentId: number): string {
  return `comment:${repository.toLowerCase()}#${commentId}`;
}

/**
 * No agent listens on the target: each allowed message starts its follow-up task (queued behind
 * whatever holds the target). Returns the tasks started.
 */
export async function settleMessages(
  store: TaskStore,
  dispatcher: Dispatcher,
  repository: string,
  targetNumber: number,
): Promise<string[]> {
  if (await store.listeningTask(repository, targetNumber)) return [];
  const started: string[] = [];
  for (const message of await store.allowedMessages(repository, targetNumber)) {
    const taskId = await startFollowUp(store, message);
    if (taskId) {
      await dispatcher.send({ type: 'dispatch', taskId });
      started.push(taskId);
    }
  }
  return started;
}

/** The task the message starts, with its words as the instructions; undefined if it was taken. */
async function startFollowUp(store: TaskStore, message: InboxMessage): Promise<string | undefined> {
  const { repository, target, author } = message;
  const engineer =
    target.kind === 'pull_request' ? await store.claimEngineer(repository, target.number, author) : author;
  const task: NewTask = {
    repository,
    installationId: message.installationId,
    target,
    trigger: {
      kind: FOLLOW_UP_KIND[target.kind],
      text: message.text,
      commentId: message.commentId,
      sender: author,
    },
    engineer,
  };
  const created = await store.createFromMessage(message, task, {
    intentKey: commentIntent(repository, message.commentId),
  });
  return created.created ? created.task.id : undefined;
}
