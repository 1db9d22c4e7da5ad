/**
 * The task's inbox: people's `/agent <words>` while its agent works (core/messages.ts). Open from
 * before the agent's first model request until its last run is over; meanwhile each request is
 * preceded by taking the target's allowed messages (each taken by one task only, in the store),
 * which get 🚀 on GitHub. What arrives once it is closed starts a follow-up task when this one ends.
 */
import type { WorkContext } from './work-context.js';
import type { AgentMessage } from './agent/port.js';

export class Inbox {
  private opened = false;
  private readonly reactions: Promise<void>[] = [];

  constructor(private readonly ctx: Pick<WorkContext, 'deps' | 'record' | 'gateway' | 'log'>) {}

  /** A store that fails here costs no work: the messages then start a follow-up task instead. */
  async open(): Promise<void> {
    this.opened = await this.ctx.deps.store.setInbox(this.ctx.record.task, true).catch((error: unknown) => {
      this.ctx.log.warn({ err: error }, 'could not open the inbox: messages start a follow-up task');
      return false;
    });
    if (!this.opened)
      this.ctx.log.warn('the inbox is closed: messages for this target start a follow-up task');
  }

  /** The messages taken for the agent now, oldest first. */
  async take(): Promise<AgentMessage[]> {
    if (!this.opened) return [];
    const taken = await this.ctx.deps.store.takeMessages(this.ctx.record.task);
    for (const message of taken) {
      this.ctx.log.info(
        { author: message.author, commentId: message.commentId },
        'message for the agent taken',
      );
      // Written beside the agent (GitHub's writes are paced): the request need not wait for it.
      this.reactions.push(
        this.ctx.gateway
          .reactToComment('issue_comment', message.commentId, 'rocket')
          .catch((error: unknown) => this.ctx.log.warn({ err: error }, 'could not react to a message')),
      );
    }
    return taken.map(({ author, text }) => ({ author, text }));
  }

  /** No more messages for this agent; idempotent. The reactions made so far are waited for. */
  async close(): Promise<void> {
    if (this.opened) {
      this.opened = false;
      // Should this fail, the task's end removes the lock, and the attribute with it.
      await this.ctx.deps.store
        .setInbox(this.ctx.record.task, false)
        .catch((error: unknown) => this.ctx.log.warn({ err: error }, 'could not close the inbox'));
    }
    await Promise.all(this.reactions.splice(0));
  }
}
