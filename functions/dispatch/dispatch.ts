/**
 * Dispatch: the slow half of intake, after GitHub has its answer. For one task: permission gate,
 * repository config, the target's lock (or a place in its queue), one of the installation's slots
 * (or a place among the tasks waiting for one), one of the deployment's slots and the runner's
 * capacity (or a wait for them), an acknowledgement where a person looks, and the runner. Also
 * carries out cancel requests (`/agent stop`, Cancel button).
 *
 * The same task may be dispatched twice at once (an async invoke is delivered at least once, and
 * the sweeper sends a task queued for minutes again). The first to claim the task's current
 * version goes on, and a second copy stops before it writes anything to GitHub; should both get
 * past (the claim lapsed), only one moves the task to `dispatched`, and the other, finding it
 * moved on, does nothing.
 */
import type { Logger } from 'pino';
import { configToStore, loadRepoConfig } from '../../core/github/config.js';
import { RepositoryGateway, type Octokit } from '../../core/github/repository-gateway.js';
import { finishTask, promoteNext, promoteSlotWaiters } from '../../core/lifecycle.js';
import { mayTrigger, refusalMessage } from '../../core/permissions.js';
import { RunnerCapacityError, type DispatchMessage, type Dispatcher, type Runner } from '../../core/ports.js';
import { invalidConfigMessage, refusalForFork, type Outcome } from '../../core/report.js';
import { RetriesExhaustedError } from '../../core/store/retry.js';
import { VersionConflictError, type SlotResult, type TaskStore } from '../../core/store/task-store.js';
import { withFreshTask } from '../../core/store/with-fresh-task.js';
import { newTokenNonce } from '../../core/task-token.js';
import { triggerKind } from '../../core/trigger-kinds/index.js';
import { TaskSurface } from '../../core/github/task-surface.js';
import { isTerminal, type Task } from '../../core/task.js';
import { deliverMessage } from './deliver-message.js';
import { checkBudgets } from './budget-check.js';
import { replyToRefusal } from './refusal-reply.js';

export interface DispatchDeps {
  store: TaskStore;
  octokitFor(installationId: number): Promise<Octokit>;
  runner: Runner;
  dispatcher: Dispatcher;
  log: Logger;
  secrets?: () => string[];
  detailsUrl?: (task: Task) => string | undefined;
  /** Tasks of one installation dispatched or running at once (NIGHTSHIFT_MAX_CONCURRENT_TASKS). */
  maxConcurrentTasks?: number;
  /**
   * Tasks of the whole deployment dispatched or running at once (NIGHTSHIFT_MAX_DEPLOYMENT_TASKS),
   * to keep the account under its quota; unset, no deployment-wide cap.
   */
  maxDeploymentTasks?: number;
  /** Each installation's monthly budget in USD (NIGHTSHIFT_INSTALLATION_MONTHLY_USD); unset: none. */
  installationMonthlyUsd?: number;
  /** The clock budgets are judged by (tests set the month). */
  now?: () => Date;
}

export const DEFAULT_MAX_CONCURRENT_TASKS = 5;

/**
 * How long one dispatch holds its claim on a version of a task: longer than a dispatch runs (the
 * function's timeout is 2 minutes), short enough that a dispatch that died holding it delays the
 * sweeper's next try by minutes only.
 */
export const DISPATCH_CLAIM_SECONDS = 5 * 60;

export async function handleDispatchMessage(deps: DispatchDeps, message: DispatchMessage): Promise<void> {
  if (message.type === 'dispatch') await dispatchTask(deps, message.taskId);
  else if (message.type === 'message') await deliverMessage(deps, message);
  else await cancelTasks(deps, message);
}

function gatewayFor(deps: DispatchDeps, octokit: Octokit, task: Task): RepositoryGateway {
  return new RepositoryGateway(octokit, task.repository, deps.secrets, deps.detailsUrl);
}

export async function dispatchTask(deps: DispatchDeps, taskId: string): Promise<void> {
  let task = await deps.store.get(taskId);
  if (!task || task.status !== 'queued') {
    deps.log.info({ taskId, status: task?.status }, 'dispatch: nothing to do');
    return;
  }
  const log = deps.log.child({ taskId, repository: task.repository });
  if (!(await deps.store.claimMemo(`dispatch#${task.id}#${task.version}`, DISPATCH_CLAIM_SECONDS))) {
    log.info({ version: task.version }, 'dispatch: another dispatch of the task is under way');
    return;
  }
  const octokit = await deps.octokitFor(task.installationId);
  const gateway = gatewayFor(deps, octokit, task);
  const surface = new TaskSurface(gateway);
  let lockTaken = false;
  let slotTaken = false;
  let dispatchedHere = false;
  try {
    if (task.cancelRequested) {
      await finishTask(deps.store, gateway, task, 'cancelled', {
        conclusion: 'cancelled',
        headline: 'Cancelled before it started',
      });
      return;
    }
    const prepared = await prepare(deps, gateway, task);
    if (!prepared) return;
    task = prepared;

    const lock = await deps.store.acquireLock(task);
    if (!lock.acquired) {
      const shown = await surface.queued(
        task,
        `Queued behind task ${lock.holderTaskId}, which is still working on this.`,
      );
      await surface.acknowledged(task);
      task = await deps.store.transition(task, 'waiting', { ...learned(task), ...shown });
      log.info({ holder: lock.holderTaskId }, 'target busy: task waits');
      return;
    }
    lockTaken = true;
    const limit = deps.maxConcurrentTasks ?? DEFAULT_MAX_CONCURRENT_TASKS;
    const slot = await deps.store.acquireSlot(task, limit);
    if (!slot.acquired) {
      await waitForSlot(deps, gateway, task, slot);
      return;
    }
    slotTaken = true;
    if (deps.maxDeploymentTasks !== undefined) {
      const room = await deps.store.acquireDeploymentSlot(task, deps.maxDeploymentTasks);
      if (!room.acquired) {
        const reason =
          `Waiting for capacity: ${room.running} tasks of this Nightshift deployment are running, the most ` +
          `at once (${room.limit}, NIGHTSHIFT_MAX_DEPLOYMENT_TASKS). It starts when one of them ends.`;
        await waitForCapacity(deps, gateway, task, reason);
        return;
      }
    }
    const ack = await surface.queued(task);
    // A new nonce per dispatch: the agent shows it to get tokens; the record keeps its hash.
    const { nonce, hash } = newTokenNonce();
    task = await deps.store.transition(task, 'dispatched', {
      ...learned(task),
      ...ack,
      tokenNonceHash: hash,
      ...(task.config ? { config: task.config } : {}),
    });
    dispatchedHere = true;
    const dispatched = task;
    let runnerId: string;
    try {
      runnerId = await deps.runner.start(task, {
        onRetry: (reason, attempt) =>
          surface.waiting(dispatched, `Waiting for a runner (attempt ${attempt}): ${reason}`),
        tokenNonce: nonce,
      });
    } catch (error) {
      if (!(error instanceof RunnerCapacityError)) throw error;
      // No capacity (or the account's quota) now: the task waits, as for a slot, and the sweeper
      // (or the next task to end) sends it back here.
      await waitForCapacity(deps, gateway, task, `Waiting for capacity: ${error.message}`);
      return;
    }
    await recordRunner(deps.store, task.id, runnerId);
    log.info({ runnerId }, 'runner started');
    // After the start: writes are paced, and the runner needs the check run, not the reaction.
    await surface
      .acknowledged(task)
      .catch((error: unknown) => log.warn({ err: error }, 'could not acknowledge the comment'));
  } catch (error) {
    const current = (await deps.store.get(taskId)) ?? task;
    if (!dispatchedHere && movedOn(current, error)) {
      // Another dispatch of the same task got there first: its runner is the task's. A conflict
      // that left the task queued (a cancel request landed meanwhile) is dispatched once more.
      log.info({ status: current.status, err: error }, 'dispatch: another dispatch has the task');
      if (current.status === 'queued') await deps.dispatcher.send({ type: 'dispatch', taskId });
      return;
    }
    log.error({ err: error }, 'dispatch failed');
    if (!isTerminal(current.status)) {
      const reason = error instanceof Error ? error.message : String(error);
      await finishTask(deps.store, gateway, current, 'failed', {
        conclusion: 'failure',
        headline: 'Nightshift could not start',
        summary: `Nightshift could not start the agent: ${reason}`,
      }).catch((e: unknown) => log.error({ err: e }, 'could not report the failure'));
    }
    if (lockTaken || slotTaken) await promoteNext(deps.store, deps.dispatcher, task);
  }
}

/**
 * Every slot of the installation is taken: the task waits (keeping its target's lock, so it stays
 * next there), says so where the person looks, and is started by whichever task of the
 * installation ends next (lifecycle.ts `promoteNext`). A slot freed while it decided to wait is
 * caught by looking once more after the wait is recorded.
 */
async function waitForSlot(
  deps: DispatchDeps,
  gateway: RepositoryGateway,
  task: Task,
  slot: Extract<SlotResult, { acquired: false }>,
): Promise<void> {
  const reason =
    `Waiting for a free slot: ${slot.running} of this installation's tasks are running, the most at ` +
    `once (${slot.limit}, NIGHTSHIFT_MAX_CONCURRENT_TASKS). It starts when one of them ends.`;
  const surface = new TaskSurface(gateway);
  const ack = await surface.queued(task, reason);
  await surface.acknowledged(task);
  await deps.store.transition(task, 'waiting', { ...learned(task), ...ack, waitingFor: 'slot' });
  deps.log.info({ taskId: task.id, running: slot.running, limit: slot.limit }, 'no free slot: task waits');
  await promoteSlotWaiters(deps.store, deps.dispatcher, task.installationId);
}

/**
 * No capacity: the deployment's slots are all taken, or the runner was refused for capacity or
 * quota. The task waits with what it holds (it stays next on its target and in its installation),
 * says why where the person looks, and goes back to dispatch when the sweeper next runs or a task
 * ends (lifecycle.ts `promoteCapacityWaiters`).
 */
async function waitForCapacity(
  deps: DispatchDeps,
  gateway: RepositoryGateway,
  task: Task,
  reason: string,
): Promise<void> {
  const ack = await new TaskSurface(gateway).queued(task, reason);
  await deps.store.transition(task, 'waiting', { ...learned(task), ...ack, waitingFor: 'capacity' });
  deps.log.info({ taskId: task.id, reason }, 'no capacity: task waits');
}

/**
 * Whether the task moved on under a dispatch that did not move it: dispatched or running (by
 * another dispatch), or any live status after a lost race on its record.
 */
function movedOn(current: Task, error: unknown): boolean {
  if (current.status === 'dispatched' || current.status === 'running') return true;
  return error instanceof VersionConflictError && !isTerminal(current.status);
}

/**
 * Everything that may refuse the task before it takes the target: the permission gate (for kinds
 * a person starts), forks, the config, the monthly budgets (budget-check.ts), and the trigger kind's own checks (the trigger label,
 * review fixes, the CI-fix budget: `admit` in core/trigger-kinds). Returns the task with what was
 * learned, or undefined when it ended here.
 */
async function prepare(
  deps: DispatchDeps,
  gateway: RepositoryGateway,
  task: Task,
): Promise<Task | undefined> {
  const { octokit, ref } = gateway;
  // Every refusal ends here, marked as one (the status page counts refusals apart from failures).
  const end = async (status: 'failed' | 'cancelled', outcome: Outcome, comment?: string) => {
    if (comment) await gateway.upsertComment(task.target.number, task, 'notice', comment);
    await finishTask(deps.store, undefined, task, status, { ...outcome, refused: true });
    return undefined;
  };

  // The gate first: someone without write access learns nothing about the repository's setup.
  const kind = triggerKind(task.trigger.kind);
  const sender = task.trigger.sender ?? task.engineer;
  // Both reads at once: each is a round trip to GitHub before the runner can start.
  const [config, permission] = await Promise.all([
    loadRepoConfig(octokit, ref),
    kind.startedBy === 'person' ? gateway.permissionOf(sender) : undefined,
  ]);
  if (permission !== undefined) {
    const allowedUsers = config.ok ? config.config.allowedUsers : [];
    const verdict = mayTrigger(permission, sender, allowedUsers);
    if (!verdict.allowed) {
      await replyToRefusal(deps.store, gateway, deps.log, task, sender, refusalMessage(sender, 'this task'));
      return end('failed', { conclusion: 'failure', headline: 'Not permitted', summary: verdict.reason });
    }
  }

  let headSha: string | undefined;
  let branch: string | undefined;
  if (task.target.kind === 'pull_request') {
    const pr = await gateway.pullRequest(task.target.number);
    if (pr.head.repo?.full_name?.toLowerCase() !== pr.base.repo.full_name.toLowerCase()) {
      return end(
        'failed',
        { conclusion: 'failure', headline: 'Pull request from a fork' },
        refusalForFork(task.trigger.sender ?? task.engineer),
      );
    }
    if (pr.head.ref === pr.base.repo.default_branch) {
      return end(
        'failed',
        { conclusion: 'failure', headline: 'Pull request from the default branch' },
        `@${task.trigger.sender ?? task.engineer}, Nightshift never pushes to the default branch (` +
          `\`${pr.head.ref}\`), and this pull request's head is that branch. Open it from another branch.`,
      );
    }
    headSha = pr.head.sha;
    branch = pr.head.ref;
  }

  if (!config.ok) {
    const outcome: Outcome = {
      conclusion: 'failure',
      headline: 'Invalid .github/nightshift.yml',
      summary: invalidConfigMessage(config.errors),
    };
    if (headSha) {
      const shown = await new TaskSurface(gateway).openCheckRun(task, headSha);
      await finishTask(deps.store, gateway, { ...task, ...shown }, 'failed', outcome, shown);
    } else {
      await finishTask(deps.store, gateway, task, 'failed', outcome);
    }
    return undefined;
  }

  await deps.store.rememberRepoLabel(task.repository, config.config.label, config.config.planLabel);
  // Before the kind's own checks: a refused task must not use up a CI-fix attempt.
  const now = deps.now?.() ?? new Date();
  const budget = await checkBudgets(deps.store, task, config.config, deps.installationMonthlyUsd, now);
  if (budget.refused) {
    deps.log.info({ taskId: task.id, budget: budget.figure }, 'monthly budget reached: task refused');
    const headline = 'Monthly budget reached';
    return end('cancelled', { conclusion: 'neutral', headline, summary: budget.reply }, budget.reply);
  }
  const refusal = await kind.admit?.(task, config.config, deps.store);
  if (refusal) return end(refusal.status, refusal.outcome, refusal.comment);
  const stored = configToStore(config.config);
  if (!stored)
    deps.log.warn({ taskId: task.id }, 'config too large to keep on the task: the agent reads it again');
  return {
    ...task,
    ...(stored ? { config: stored } : {}),
    ...(headSha ? { headSha } : {}),
    ...(branch ? { branch } : {}),
    ...(budget.notice ? { budgetNotice: budget.notice } : {}),
  };
}

/**
 * Record the runner's id. The runner may already have claimed the task (a local child is quick),
 * so a lost race is retried on the newest version rather than taken for a failed start.
 */
async function recordRunner(store: TaskStore, taskId: string, runnerId: string): Promise<void> {
  await withFreshTask(store, taskId, async (current) => {
    if (!isTerminal(current.status)) await store.update(current, { runnerId });
  }).catch((error: unknown) => {
    // The runner has started: a record that keeps changing under us is no reason to fail it.
    if (!(error instanceof RetriesExhaustedError)) throw error;
  });
}

/**
 * What `prepare` learned (a pull request's branch and head, a budget's notice), to keep on the
 * record.
 */
function learned(task: Task): Pick<Task, 'branch' | 'headSha' | 'budgetNotice'> {
  return {
    ...(task.branch ? { branch: task.branch } : {}),
    ...(task.headSha ? { headSha: task.headSha } : {}),
    ...(task.budgetNotice ? { budgetNotice: task.budgetNotice } : {}),
  };
}

async function cancelTasks(
  deps: DispatchDeps,
  message: Extract<DispatchMessage, { type: 'cancel' }>,
): Promise<void> {
  const octokit = await deps.octokitFor(message.installationId);
  const tasks = message.taskId
    ? [await deps.store.get(message.taskId)].filter((t): t is Task => Boolean(t))
    : await deps.store.listByTarget(message.repository, message.targetNumber ?? -1);
  const live = tasks.filter(
    (t) => !isTerminal(t.status) && t.repository.toLowerCase() === message.repository.toLowerCase(),
  );
  const first = live[0] ?? tasks[0];
  if (!first) return;
  const gateway = gatewayFor(deps, octokit, first);
  const permission = await gateway.permissionOf(message.sender);
  const config = await loadRepoConfig(octokit, gateway.ref);
  const verdict = mayTrigger(permission, message.sender, config.ok ? config.config.allowedUsers : []);
  if (!verdict.allowed) {
    if (message.commentId) {
      const reply = refusalMessage(message.sender, 'stopping a task');
      await replyToRefusal(deps.store, gateway, deps.log, first, message.sender, reply);
    }
    return;
  }
  for (const task of live) {
    if (task.status === 'queued' || task.status === 'waiting') {
      await finishTask(deps.store, gateway, task, 'cancelled', {
        conclusion: 'cancelled',
        headline: `Cancelled by @${message.sender}`,
      });
      // A task waiting for a slot held its target's lock: the next one there may start.
      await promoteNext(deps.store, deps.dispatcher, task);
    } else {
      await deps.store.requestCancel(task.id);
    }
    deps.log.info({ taskId: task.id, by: message.sender }, 'cancel requested');
  }
  if (message.commentId) await gateway.reactToComment('issue_comment', message.commentId, '+1');
}
