/**
 * What writing back differs in, by target: an issue task ends in the pull request that closes it;
 * a pull request task pushes to the head and answers the people who asked. Each target has one
 * `TargetWriteBack` (write-back-issue.ts, write-back-pull-request.ts); publish.ts does what they
 * share and picks one by `task.target.kind`. Where a reply goes depends on the trigger kind
 * (core/trigger-kinds), not on the target.
 */
import type { ChangedFile } from '../core/changed-files.js';
import type { RepoConfig } from '../core/config.js';
import type { RepositoryGateway } from '../core/github/repository-gateway.js';
import { TaskSurface } from '../core/github/task-surface.js';
import type { Task } from '../core/task.js';
import { triggerKind } from '../core/trigger-kinds/index.js';
import type { Prepared, Repository } from './prepare-workspace.js';
import type { CheckResult } from './pull-request-text.js';
import type { TaskContext } from './task-context.js';
import type { WorkContext } from './work-context.js';

/**
 * Where the task publishes: the pull request, and the branch's sha as last pushed. An issue task
 * that ended before its draft pull request was opened has none yet: it opens it with its result.
 */
export interface Destination {
  pullNumber: number | undefined;
  /** The pull request's page as GitHub gives it (the deployment's own host). */
  pullRequestUrl?: string;
  pushedSha: string | undefined;
  /** Where the pull request goes when it is opened with the result. */
  toOpen?: { head: string; base: string; draft: boolean };
}

/**
 * The destination being opened beside the agent. `settle` stops an opening that has not begun
 * and waits for one under way (throwing its error), so that it never races the task's last
 * writes; `failed` tells the agent to stop early when there is nowhere to put its result.
 */
export interface Opening {
  settle(): Promise<Destination>;
  readonly failed: boolean;
}

/** What was pushed, for the announcement. */
export interface Pushed {
  newHead: string;
  files: ChangedFile[];
  summary: string;
  checks: CheckResult[];
}

/** After the push: the pull request's URL to report, and what may wait until after the conclusion. */
export interface Announced {
  pullRequestUrl?: string;
  followUp?: () => Promise<void>;
}

export interface TargetWriteBack {
  /**
   * Beside the agent: the pull request to work on and the check run on its head. Its writes never
   * hold up the agent's first request.
   */
  open(
    ctx: WorkContext,
    prepared: Prepared,
    repository: Repository,
    context: TaskContext,
    config: RepoConfig,
  ): Opening;
  /**
   * What the commit's subject says when the agent's summary gives no subject line, and the issue
   * it names (see core/commit-message.ts).
   */
  subject(task: Task, context: TaskContext): { fallback: string; issue?: number };
  /** The commit the changed files are listed from. */
  filesSince(destination: Destination, prepared: Prepared): string;
  /** The agent changed nothing and the checks pass: enterPhase so where someone waits for an answer. */
  nothingToPush(ctx: WorkContext, summary: string): Promise<void>;
  /**
   * After the push, before the conclusion: what people read with the result (the pull request's
   * text, final before the check run concludes). Review requests and replies are its follow-up.
   */
  announce(
    ctx: WorkContext,
    destination: Destination,
    context: TaskContext,
    pushed: Pushed,
  ): Promise<Announced>;
  /** The check run's title when the checks pass. */
  readonly headline: string;
}

/** An opening with nothing to open: the destination is known at once. */
export function opened(destination: Destination): Opening {
  const settled = Promise.resolve(destination);
  return { settle: () => settled, failed: false };
}

/**
 * An opening that begins after `delayMs` (at once when 0) unless `settle` comes first, in which
 * case `open` never runs and `settle` gives `unopened`.
 */
export function openLater(delayMs: number, open: () => Promise<Destination>, unopened: Destination): Opening {
  let running: Promise<Destination> | undefined;
  let failed = false;
  const begin = () => {
    running ??= open().catch((error: unknown) => {
      failed = true;
      throw error;
    });
    running.catch(() => undefined); // seen by `settle`
    return running;
  };
  const timer = delayMs > 0 ? setTimeout(begin, delayMs) : undefined;
  if (!timer) begin();
  return {
    settle() {
      clearTimeout(timer);
      return running ?? Promise.resolve(unopened);
    },
    get failed() {
      return failed;
    },
  };
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
