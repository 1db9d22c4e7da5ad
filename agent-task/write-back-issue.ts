/**
 * An issue task writes back through the pull request that closes the issue. An issue has no
 * commit to hang a check run on, so beside the agent a first commit is pushed and the draft pull
 * request opened early ("Closes #n", assigned to the engineer), then the check run on that commit;
 * at the end the pull request gets its title and its full body, and a review request.
 *
 * The early pull request waits a few write intervals after the agent starts (`DRAFT_AFTER_WRITES`):
 * GitHub's writes are paced, and a task that ends sooner would only wait behind a placeholder that
 * its result replaces at once. Such a task opens its pull request once, with its result.
 */
import type { RepoConfig } from '../core/config.js';
import type { Prepared, Repository } from './prepare-workspace.js';
import { commitMessage } from '../core/commit-message.js';
import { requesterOf } from '../core/requester.js';
import { pullRequestBody } from './pull-request-text.js';
import type { TaskContext } from './task-context.js';
import type { WorkContext } from './work-context.js';
import {
  openLater,
  requestReview,
  startCheckRun,
  type Destination,
  type TargetWriteBack,
} from './write-back.js';

/** The early pull request's writes (pull request, assignee, check run, tracking comment), about. */
export const DRAFT_AFTER_WRITES = 4;

/**
 * Pull request opened for the task: the store knows its engineer, the engineer is assigned, and
 * it is recorded as Nightshift's (its outcome is counted when it closes: functions/record-outcome.ts).
 * `draftOpened` says this task opened it, so an end without pushed work closes or explains it.
 */
async function adopt(
  ctx: WorkContext,
  pull: { number: number; html_url: string },
  draftOpened?: { startingCommitSha?: string },
): Promise<void> {
  const task = ctx.record.task;
  await ctx.deps.store.claimEngineer(task.repository, pull.number, task.engineer);
  await ctx.deps.store
    .recordPullRequestOpened({
      repository: task.repository,
      number: pull.number,
      issueNumber: task.target.number,
      engineer: task.engineer,
      requester: requesterOf(task),
      firstTaskId: task.id,
      firstTaskAt: task.createdAt,
      openedAt: new Date().toISOString(),
    })
    // The figures are not worth failing the task for.
    .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not record the pull request'));
  await ctx.record.update({
    result: {
      ...task.result,
      pullRequestNumber: pull.number,
      pullRequestUrl: pull.html_url,
      ...(draftOpened ? { draftOpened } : {}),
    },
  });
}

async function assign(ctx: WorkContext, pullNumber: number): Promise<void> {
  await ctx.gateway
    .assign(pullNumber, [ctx.record.task.engineer])
    .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not assign'));
}

/** The first commit, the draft pull request and the check run on that commit. */
async function openEarly(
  ctx: WorkContext,
  prepared: Prepared,
  repository: Repository,
  context: TaskContext,
  config: RepoConfig,
): Promise<Destination> {
  const task = ctx.record.task;
  const { own, branch, author } = prepared;
  let pushedSha = prepared.remoteBranchSha;
  if (!pushedSha) {
    const message = commitMessage({
      subject: `Start work on #${task.target.number}`,
      body: 'Nightshift opened this branch to work on the issue.',
      engineer: task.engineer,
    });
    await own.commitEmpty(branch, message, author);
    pushedSha = await own.push(branch, undefined);
  }
  let pull = await ctx.gateway.openPullRequestFrom(branch);
  if (!pull) {
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
    await adopt(ctx, pull, pushedSha === prepared.remoteBranchSha ? {} : { startingCommitSha: pushedSha });
    await assign(ctx, pull.number);
  } else {
    await adopt(ctx, pull);
  }
  await startCheckRun(ctx, pushedSha, `**Nightshift** · Working\n\nDraft pull request: ${pull.html_url}`);
  return { pullNumber: pull.number, pullRequestUrl: pull.html_url, pushedSha };
}

export const issueWriteBack: TargetWriteBack = {
  open(ctx, prepared, repository, context, config) {
    const destination: Destination = {
      pullNumber: undefined,
      pushedSha: prepared.remoteBranchSha,
      toOpen: { head: prepared.branch, base: repository.default_branch, draft: config.pullRequest.draft },
    };
    const delay = DRAFT_AFTER_WRITES * (ctx.deps.writeIntervalMs ?? 0);
    return openLater(delay, () => openEarly(ctx, prepared, repository, context, config), destination);
  },

  subject: (task, context) => ({ fallback: context.title, issue: task.target.number }),

  filesSince: (destination, prepared) => destination.pushedSha ?? prepared.baseSha,

  // Nobody asked in a comment: the check run says it.
  nothingToPush: async () => {},

  async announce(ctx, destination, context, pushed) {
    const task = ctx.record.task;
    const text = {
      title: context.title,
      body: pullRequestBody({
        issueNumber: task.target.number,
        summary: pushed.summary,
        files: pushed.files,
        ...(destination.pullRequestUrl ? { pullRequestUrl: destination.pullRequestUrl } : {}),
        checks: pushed.checks,
        task,
      }),
    };
    const { toOpen } = destination;
    if (destination.pullNumber === undefined && toOpen) {
      // An existing pull request from the branch (an earlier attempt) gets the text; else a new one.
      const existing = await ctx.gateway.openPullRequestFrom(toOpen.head);
      const pull = existing
        ? await ctx.gateway.updatePullRequest(existing.number, text)
        : await ctx.gateway.openPullRequest({ ...toOpen, ...text });
      await adopt(ctx, pull);
      return {
        pullRequestUrl: pull.html_url,
        followUp: async () => {
          if (!existing) await assign(ctx, pull.number);
          await requestReview(ctx, pull.number);
        },
      };
    }
    if (destination.pullNumber === undefined) throw new Error('the pull request was never opened');
    const pullNumber = destination.pullNumber;
    const pr = await ctx.gateway.updatePullRequest(pullNumber, text);
    return { pullRequestUrl: pr.html_url, followUp: () => requestReview(ctx, pullNumber) };
  },

  headline: 'Pull request ready for review',
};
