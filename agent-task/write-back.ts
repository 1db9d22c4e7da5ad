/**
 * What writing back differs in, by target: an issue task ends in the pull request that closes it;
 * a pull request task pushes to the head and answers the people who asked. Each target has one
 * `TargetWriteBack` (write-back-issue.ts, write-back-pull-request.ts); publish.ts does what they
 * share and picks one by `task.target.kind`. Where a reply goes depends on the trigger kind
 * (core/trigger-kinds), not on the target.
 */
import type { RepoConfig } from '../core/config.js';
import type { RepositoryGateway } from '../core/github/repository-gateway.js';
import { TaskSurface } from '../core/github/task-surface.js';
import type { Task } from '../core/task.js';
import { triggerKind } from '../core/trigger-kinds/index.js';
import type { Prepared, Repository } from './prepare-workspace.js';
import type { CheckResult } from './pull-request-text.js';
import type { TaskContext } from './task-context.js';
import type { WorkContext } from './work-context.js';

/** Where the task publishes: the pull request, and the branch's sha as last pushed. */
export interface Destination {
  pullNumber: number;
  pushedSha: string | undefined;
}

/** What was pushed, for the announcement. */
export interface Pushed {
  newHead: string;
  files: string[];
  summary: string;
  checks: CheckResult[];
}

export interface TargetWriteBack {
  /** Before the agent runs: the pull request to work on and the check run on its head. */
  open(
    ctx: WorkContext,
    prepared: Prepared,
    repository: Repository,
    context: TaskContext,
    config: RepoConfig,
  ): Promise<Destination>;
  /** The commit's subject line. */
  subject(task: Task, context: TaskContext): string;
  /** The commit the changed files are listed from. */
  filesSince(destination: Destination, prepared: Prepared): string;
  /** The agent changed nothing and the checks pass: enterPhase so where someone waits for an answer. */
  nothingToPush(ctx: WorkContext, summary: string): Promise<void>;
  /** After the push: the pull request's text, review requests, replies. Returns the PR's URL if it has one to report. */
  announce(
    ctx: WorkContext,
    destination: Destination,
    context: TaskContext,
    pushed: Pushed,
  ): Promise<string | undefined>;
  /** The check run's title when the checks pass. */
  readonly headline: string;
}

/**
 * The check run of this task, in progress on `sha` (see TaskSurface.workingOn), showing the phase
 * the task is in. Progress posts still on their way land first, so none overtakes it.
 */
export async function startCheckRun(ctx: WorkContext, sha: string, comment?: string): Promise<void> {
  await ctx.progress.flush();
  const task = ctx.record.task;
  const shown = await new TaskSurface(ctx.gateway).workingOn(task, sha, ctx.progress.latest(task), comment);
  if (Object.keys(shown).length > 0) await ctx.record.update(shown);
}

export async function requestReview(ctx: WorkContext, pullNumber: number): Promise<void> {
  await ctx.gateway
    .requestReview(pullNumber, [ctx.record.task.engineer])
    .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not request review'));
}

/** Reply where the person asked: in the review thread, or on the pull request's conversation. */
export async function replyToTrigger(gateway: RepositoryGateway, task: Task, text: string): Promise<void> {
  const place = triggerKind(task.trigger.kind).replyTo(task.trigger);
  if (place.in === 'review_thread') {
    await gateway.replyToReviewComment(task.target.number, place.commentId, text);
    return;
  }
  await gateway.upsertComment(
    task.target.number,
    task,
    'reply',
    `@${task.trigger.sender ?? task.engineer} ${text}`,
  );
}
