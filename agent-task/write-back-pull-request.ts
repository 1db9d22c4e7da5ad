/**
 * A pull request task writes back to the pull request it was asked on: the check run on its head
 * from the start, the push, the engineer kept assigned and asked to review again, a reply where
 * the person asked, and "Addressed in …" in each review thread the agent was given (those after
 * the check run's conclusion: they answer people, the check run carries the result).
 */
import { triggerKind } from '../core/trigger-kinds/index.js';
import { firstLine } from './pull-request-text.js';
import {
  openLater,
  opened,
  replyToTrigger,
  requestReview,
  startCheckRun,
  type TargetWriteBack,
} from './write-back.js';
import type { WorkContext } from './work-context.js';

export const pullRequestWriteBack: TargetWriteBack = {
  open(ctx, prepared, _repository, context) {
    const task = ctx.record.task;
    const destination = {
      pullNumber: task.target.number,
      ...(context.pullRequestUrl ? { pullRequestUrl: context.pullRequestUrl } : {}),
      pushedSha: prepared.remoteBranchSha,
    };
    // Dispatch queued the check run on the head; progress shows there. Only a task without one opens it.
    if (task.checkRunId) return opened(destination);
    return openLater(
      0,
      async () => {
        await startCheckRun(ctx, task.headSha ?? prepared.baseSha);
        return destination;
      },
      destination,
    );
  },

  // What the person asked for, in their words; what the kind is about when they gave none.
  subject: (task, context) => {
    const kind = triggerKind(task.trigger.kind);
    const asked = context.instructions === kind.defaultInstructions ? '' : firstLine(context.instructions);
    return { fallback: asked || kind.defaultSubject };
  },

  filesSince: (_destination, prepared) => prepared.baseSha,

  async nothingToPush(ctx, summary) {
    await replyToTrigger(ctx.gateway, ctx.record.task, `no changes were needed.\n\n${summary}`);
  },

  // The pull request's text is the person's own: nothing to write before the conclusion. The
  // replies and the review request follow it.
  async announce(ctx, destination, context, pushed) {
    const task = ctx.record.task;
    const { newHead, summary } = pushed;
    const pullNumber = destination.pullNumber ?? task.target.number;
    return {
      followUp: async () => {
        await keepEngineer(ctx, pullNumber);
        // The commit, then the agent's summary once (its first line is not repeated as a heading).
        await replyToTrigger(ctx.gateway, task, `pushed ${newHead.slice(0, 7)}.\n\n${summary}`);
        for (const thread of context.reviewThreads) {
          if (thread.id === task.trigger.commentId) continue;
          await ctx.gateway.replyToReviewComment(
            pullNumber,
            thread.id,
            `Addressed in ${newHead.slice(0, 7)}.\n\n${firstLine(summary)}`,
          );
        }
      },
    };
  },

  headline: 'Pushed a fix',
};

/** The responsible engineer stays assigned to the pull request and is asked to review again. */
async function keepEngineer(ctx: WorkContext, pullNumber: number): Promise<void> {
  const engineer = ctx.record.task.engineer;
  if (!engineer) return;
  await ctx.gateway
    .assign(pullNumber, [engineer])
    .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not assign'));
  await requestReview(ctx, pullNumber);
}
