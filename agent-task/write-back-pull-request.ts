/**
 * A pull request task writes back to the pull request it was asked on: the check run on its head
 * from the start, the push, the engineer kept assigned and asked to review again, a reply where
 * the person asked, and "Addressed in …" in each review thread the agent was given.
 */
import { firstLine } from './pull-request-text.js';
import { replyToTrigger, requestReview, startCheckRun, type TargetWriteBack } from './write-back.js';
import type { WorkContext } from './work-context.js';

export const pullRequestWriteBack: TargetWriteBack = {
  async open(ctx, prepared) {
    const task = ctx.record.task;
    await startCheckRun(ctx, task.headSha ?? prepared.baseSha);
    return { pullNumber: task.target.number, pushedSha: prepared.remoteBranchSha };
  },

  subject: (_task, context) => `Nightshift: ${firstLine(context.instructions)}`,

  filesSince: (_destination, prepared) => prepared.baseSha,

  async nothingToPush(ctx, summary) {
    await replyToTrigger(ctx.gateway, ctx.record.task, `no changes were needed.\n\n${summary}`);
  },

  async announce(ctx, destination, context, pushed) {
    const task = ctx.record.task;
    const { newHead, summary } = pushed;
    await keepEngineer(ctx, destination.pullNumber);
    // The commit, then the agent's summary once (its first line is not repeated as a heading).
    await replyToTrigger(ctx.gateway, task, `pushed ${newHead.slice(0, 7)}.\n\n${summary}`);
    for (const thread of context.reviewThreads) {
      if (thread.id === task.trigger.commentId) continue;
      await ctx.gateway.replyToReviewComment(
        destination.pullNumber,
        thread.id,
        `Addressed in ${newHead.slice(0, 7)}.\n\n${firstLine(summary)}`,
      );
    }
    return undefined;
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
