/**
 * Writing the result back to GitHub: the early draft pull request of an issue task, the check run
 * on the newest head, the commit and push, the pull request's final body, and replies where
 * people asked. Composed text comes from pull-request-text.ts; the reporter redacts it.
 */
import { join } from 'node:path';
import type { GitHubReporter } from '../core/github/reporter.js';
import { TaskSurface } from '../core/github/task-surface.js';
import type { RepoConfig } from '../core/config.js';
import type { Task } from '../core/task.js';
import { triggerKind } from '../core/trigger-kinds/index.js';
import type { AgentResult } from './agent/port.js';
import type { Prepared, Repository } from './prepare-workspace.js';
import {
  checksSection,
  commitMessage,
  firstLine,
  pullRequestBody,
  type CheckResult,
} from './pull-request-text.js';
import { refuseSecrets } from './push-protection.js';
import type { TaskContext } from './task-context.js';
import { say, type Ended, type WorkContext } from './work-context.js';

/** Where the task publishes: the pull request, and the branch's sha as last pushed. */
export interface Target {
  pullNumber: number;
  pushedSha: string | undefined;
}

/**
 * An issue has no commit to hang a check run on: push a first commit and open the draft pull
 * request early ("Closes #n", assigned to the engineer), then the check run on that commit. A pull
 * request task starts its check run on the head.
 */
export async function openTarget(
  ctx: WorkContext,
  prepared: Prepared,
  repository: Repository,
  context: TaskContext,
  config: RepoConfig,
): Promise<Target> {
  const task = ctx.record.task;
  if (task.target.kind === 'pull_request') {
    await startCheckRun(ctx, task.headSha ?? prepared.baseSha);
    return { pullNumber: task.target.number, pushedSha: prepared.remoteBranchSha };
  }
  const { octokit, ref } = ctx.reporter;
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
  const existing = await octokit.rest.pulls.list({ ...ref, head: `${ref.owner}:${branch}`, state: 'open' });
  let pull: { number: number; html_url: string } | undefined = existing.data[0];
  if (!pull) {
    const { data } = await octokit.rest.pulls.create({
      ...ref,
      head: branch,
      base: repository.default_branch,
      title: `[WIP] ${context.title}`,
      body: ctx.reporter.redact(
        pullRequestBody({
          issueNumber: task.target.number,
          summary: '',
          files: [],
          checks: [],
          task,
          working: true,
        }),
      ),
      draft: config.pullRequest.draft,
    });
    pull = data;
    await ctx.deps.store.claimEngineer(task.repository, data.number, task.engineer);
    await octokit.rest.issues
      .addAssignees({ ...ref, issue_number: data.number, assignees: [task.engineer] })
      .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not assign'));
  }
  await ctx.record.update({
    result: { ...task.result, pullRequestNumber: pull.number, pullRequestUrl: pull.html_url },
  });
  await startCheckRun(ctx, pushedSha, `**Nightshift** · Working\n\nDraft pull request: ${pull.html_url}`);
  return { pullNumber: pull.number, pushedSha };
}

/** Commit what the agent did, push it, and say so where people look. */
export async function publish(
  ctx: WorkContext,
  prepared: Prepared,
  target: Target,
  context: TaskContext,
  run: AgentResult,
  checks: CheckResult[],
): Promise<Ended> {
  const { reporter } = ctx;
  const { octokit, ref } = reporter;
  const { own, branch, author } = prepared;
  let task = ctx.record.task;
  await say(ctx, 'publishing', 'Committing and pushing', run.usage.turns);
  const subject =
    task.target.kind === 'issue'
      ? `${context.title} (#${task.target.number})`
      : `Nightshift: ${firstLine(context.instructions)}`;
  // The agent's work arrives as data (a patch the tools print), is checked, and is committed
  // and pushed from our own repository; nothing of the agent's checkout is trusted beyond that.
  const patchFile = join(prepared.taskDir, 'result.patch');
  await prepared.checkout.exportChanges(prepared.baseSha, patchFile);
  const tip = await own.tip(branch);
  const message = reporter.redact(commitMessage(subject, run.summary, task.engineer));
  const sha = await own.commitPatch({
    file: patchFile,
    base: prepared.baseSha,
    branch,
    parents: [tip, ...(prepared.mergedSha ? [prepared.mergedSha] : [])],
    message,
    author,
  });
  // Push protection, on exactly what would be pushed (the commit is only local until then).
  if (sha) refuseSecrets(await own.diffAsText(tip, sha), `${message}\n${run.summary}`, ctx.secrets());
  if (!sha) {
    if (checks.length > 0 && !checks.at(-1)?.passed) {
      const summary = `The repository's checks fail and the agent changed nothing, so nothing was pushed.\n\n${run.summary}`;
      return { status: 'failed', outcome: { conclusion: 'failure', headline: 'The checks fail', summary } };
    }
    if (task.target.kind === 'pull_request') {
      await replyToTrigger(reporter, task, `no changes were needed.\n\n${run.summary}`);
    }
    return {
      status: 'succeeded',
      outcome: { conclusion: 'neutral', headline: 'No changes needed', summary: run.summary },
    };
  }
  const newHead = await own.push(branch, target.pushedSha);
  const files = await own.changedFiles(
    task.target.kind === 'issue' ? (target.pushedSha ?? prepared.baseSha) : prepared.baseSha,
    newHead,
  );
  await startCheckRun(ctx, newHead);
  task = ctx.record.task;

  let pullRequestUrl: string | undefined;
  if (task.target.kind === 'issue') {
    const { data: pr } = await octokit.rest.pulls.update({
      ...ref,
      pull_number: target.pullNumber,
      title: context.title,
      body: reporter.redact(
        pullRequestBody({ issueNumber: task.target.number, summary: run.summary, files, checks, task }),
      ),
    });
    pullRequestUrl = pr.html_url;
    await requestReview(ctx, target.pullNumber);
  } else {
    await keepEngineer(ctx, target.pullNumber);
    await replyToTrigger(
      reporter,
      task,
      `pushed ${newHead.slice(0, 7)}: ${firstLine(run.summary)}\n\n${run.summary}`,
    );
    for (const thread of context.reviewThreads) {
      if (thread.id === task.trigger.commentId) continue;
      await reporter.replyToReviewComment(
        target.pullNumber,
        thread.id,
        `Addressed in ${newHead.slice(0, 7)}.\n\n${firstLine(run.summary)}`,
      );
    }
  }
  const testsFail = checks.length > 0 && !checks.at(-1)?.passed;
  const lastOutput = checks.at(-1)?.output;
  return {
    status: testsFail ? 'failed' : 'succeeded',
    outcome: {
      conclusion: testsFail ? 'failure' : 'success',
      headline: testsFail
        ? 'Pushed, but the checks fail'
        : task.target.kind === 'issue'
          ? 'Pull request ready for review'
          : 'Pushed a fix',
      summary: `${run.summary}\n\n**Checks**\n\n${checksSection(checks)}`,
      commitSha: newHead,
      ...(pullRequestUrl ? { pullRequestUrl } : {}),
      details: `Files changed:\n${files.join('\n')}${lastOutput ? `\n\nLast test output:\n${lastOutput}` : ''}`,
    },
  };
}

/** The check run of this task, in progress on `sha` (see TaskSurface.workingOn). */
export async function startCheckRun(ctx: WorkContext, sha: string, comment?: string): Promise<void> {
  const shown = await new TaskSurface(ctx.reporter).workingOn(ctx.record.task, sha, comment);
  if (Object.keys(shown).length > 0) await ctx.record.update(shown);
}

/** The responsible engineer stays assigned to the pull request and is asked to review again. */
async function keepEngineer(ctx: WorkContext, pullNumber: number): Promise<void> {
  const { octokit, ref } = ctx.reporter;
  const engineer = ctx.record.task.engineer;
  if (!engineer) return;
  await octokit.rest.issues
    .addAssignees({ ...ref, issue_number: pullNumber, assignees: [engineer] })
    .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not assign'));
  await requestReview(ctx, pullNumber);
}

async function requestReview(ctx: WorkContext, pullNumber: number): Promise<void> {
  const { octokit, ref } = ctx.reporter;
  await octokit.rest.pulls
    .requestReviewers({ ...ref, pull_number: pullNumber, reviewers: [ctx.record.task.engineer] })
    .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not request review'));
}

/** Reply where the person asked: in the review thread, or on the pull request's conversation. */
export async function replyToTrigger(reporter: GitHubReporter, task: Task, text: string): Promise<void> {
  const place = triggerKind(task.trigger.kind).replyTo(task.trigger);
  if (place.in === 'review_thread') {
    await reporter.replyToReviewComment(task.target.number, place.commentId, text);
    return;
  }
  await reporter.upsertComment(
    task.target.number,
    task,
    'reply',
    `@${task.trigger.sender ?? task.engineer} ${text}`,
  );
}
