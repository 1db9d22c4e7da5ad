/**
 * A person's `/agent <words>` for the agent at work, after intake recorded it: the gate (someone
 * without write access gets the usual reply, and the words never reach the model), 👀 on the
 * comment, then the message is allowed: the listening agent takes it before its next model request
 * (and reacts 🚀), or, when none listens any more, it starts the follow-up task (core/messages.ts).
 * A second delivery of the same comment finds the message past `received` and only settles again.
 */
import { loadRepoConfig } from '../../core/github/config.js';
import { RepositoryGateway } from '../../core/github/repository-gateway.js';
import { settleMessages } from '../../core/messages.js';
import { mayTrigger, refusalMessage } from '../../core/permissions.js';
import type { DispatchMessage } from '../../core/ports.js';
import type { DispatchDeps } from './dispatch.js';
import { replyToRefusal } from './refusal-reply.js';

export async function deliverMessage(
  deps: DispatchDeps,
  request: Extract<DispatchMessage, { type: 'message' }>,
): Promise<void> {
  const { store } = deps;
  const message = await store.getMessage(request.repository, request.targetNumber, request.commentId);
  if (!message) return;
  const log = deps.log.child({ repository: message.repository, commentId: message.commentId });
  if (message.state === 'received') {
    const octokit = await deps.octokitFor(message.installationId);
    const gateway = new RepositoryGateway(octokit, message.repository, deps.secrets);
    const config = await loadRepoConfig(octokit, gateway.ref);
    const verdict = mayTrigger(
      await gateway.permissionOf(message.author),
      message.author,
      config.ok ? config.config.allowedUsers : [],
    );
    if (!verdict.allowed) {
      if (!(await store.moveMessage(message, 'received', 'refused'))) return;
      log.info({ author: message.author, reason: verdict.reason }, 'message refused');
      const asked = {
        id: `message-${message.commentId}`,
        repository: message.repository,
        target: message.target,
      };
      await replyToRefusal(
        store,
        gateway,
        log,
        asked,
        message.author,
        refusalMessage(message.author, 'the message'),
      );
      return;
    }
    await gateway.reactToComment('issue_comment', message.commentId, 'eyes');
    await store.moveMessage(message, 'received', 'allowed');
    log.info({ author: message.author }, 'message allowed');
  }
  const started = await settleMessages(store, deps.dispatcher, message.repository, message.target.number);
  if (started.length) log.info({ started }, 'no agent listens: the message starts a task');
}
