/**
 * An issue task writes back through the pull request that closes the issue. An issue has no
 * commit to hang a check run on, so `open` pushes a first commit and opens the draft pull request
 * early ("Closes #n", assigned to the engineer), then the check run on that commit; at the end the
 * pull request gets its title, its full body, and a review request.
 */
import { commitMessage, pullRequestBody } from './pull-request-text.js';
import { requestReview, startCheckRun, type TargetWriteBack } from './write-back.js';

export const issueWriteBack: TargetWriteBack = {
  async open(ctx, prepared, repository, context, config) {
    const task = ctx.record.task;
    const { own, branch, author } = prepared;
    let pushedSha = prepared.remoteBranchSha;
    if (!pushedSha) {
      const message = commitMessage(
        `Start work on #${task.target.number}`,
        'Nightshift opened this branch to work on the issue.',
        task.engineer,
      );
      await own.commitEmpty(branch, message, author);
      pushedSha = await own.push(branch, undefined);
    }
    let pull = await ctx.gateway.openPullRequestFrom(branch);
    let draftOpened: { startingCommitSha?: string } | undefined;
    if (!pull) {
      // Said on the record, so that an end without pushed work closes or explains it.
      draftOpened = pushedSha === prepared.remoteBranchSha ? {} : { startingCommitSha: pushedSha };
      pull = await ctx.gateway.openPullRequest({
        head: branch,
        base: repository.default_branch,
        title: `[WIP] ${context.title}`,
        body: pullRequestBody({
          issueNumber: task.target.number,
          summary: '',
          files: [],
          checks: [],
          task,
          working: true,
        }),
        draft: config.pullRequest.draft,
      });
      await ctx.deps.store.claimEngineer(task.repository, pull.number, task.engineer);
      await ctx.gateway
        .assign(pull.number, [task.engineer])
        .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not assign'));
    }
    await ctx.record.update({
      result: {
        ...task.result,
        pullRequestNumber: pull.number,
        pullRequestUrl: pull.html_url,
        ...(draftOpened ? { draftOpened } : {}),
      },
    });
    await startCheckRun(ctx, pushedSha, `**Nightshift** · Working\n\nDraft pull request: ${pull.html_url}`);
    return { pullNumber: pull.number, pushedSha };
  },

  subject: (task, context) => `${context.title} (#${task.target.number})`,

  filesSince: (destination, prepared) => destination.pushedSha ?? prepared.baseSha,

  // Nobody asked in a comment: the check run says it.
  nothingToPush: async () => {},

  async announce(ctx, destination, context, pushed) {
    const task = ctx.record.task;
    const pr = await ctx.gateway.updatePullRequest(destination.pullNumber, {
      title: context.title,
      body: pullRequestBody({
        issueNumber: task.target.number,
        summary: pushed.summary,
        files: pushed.files,
        checks: pushed.checks,
        task,
      }),
    });
    await requestReview(ctx, destination.pullNumber);
    return pr.html_url;
  },

  headline: 'Pull request ready for review',
};
