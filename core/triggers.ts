/**
 * Is this webhook a trigger, and which? A pure decision on the event name and payload: no API
 * calls, no permission check (that needs the API: see `permissions.ts`), no configuration beyond
 * the trigger label. The caller acts on the decision: creates the task, replies to a fork,
 * stops or cancels a task, or ignores the event.
 */
import type { EmitterWebhookEvent, EmitterWebhookEventName } from '@octokit/webhooks';
import { parseAgentCommand } from './agent-command.js';
import { type OutcomeDecision, pullRequestClosed, pullRequestPushed } from './pull-request-event.js';
import { truncateText } from './sanitize.js';
import { TARGET_NAMES } from './target-names.js';
import type { Target, Trigger } from './task.js';

type Payload<E extends EmitterWebhookEventName> = EmitterWebhookEvent<E>['payload'];

export type Decision =
  | { action: 'ignore'; reason: string }
  | TaskDecision
  | { action: 'stop'; target: Target; engineer: string; commentId: number }
  | { action: 'cancel'; taskId: string; engineer: string }
  | MessageDecision
  | OutcomeDecision;

/**
 * `/agent <text>` (or `/agent fix <text>` on a pull request): words for the task at work on the
 * target, if one is; intake routes it (the store knows whether an agent is listening), and
 * `otherwise` is the task it starts when none is.
 */
export interface MessageDecision {
  action: 'message';
  target: Target;
  /** Who wrote it: the gate checks their permission before it reaches the model. */
  author: string;
  text: string;
  commentId: number;
  otherwise: TaskDecision;
}

export interface TaskDecision {
  action: 'task';
  target: Target;
  trigger: Trigger;
  /** Who asked: the responsible engineer. '' for ci_failure: the caller takes it from the store. */
  engineer: string;
  /** One live task per intent: a redelivery or a double click maps to the same key. */
  intentKey: string;
  /** The pull request comes from a fork: the caller replies and does no work. */
  fork?: boolean;
  /** Only a changes-requested review, no command: the caller starts work only if `reviewFix` is on. */
  changesRequested?: boolean;
  /** For retry: the id of the task being retried (our check run's external_id). */
  retryOf?: string;
}

export interface TriggerContext {
  appId: number;
  appSlug?: string;
  /** The trigger label from the repository's configuration. */
  label: string;
  /** The label that asks for a plan first (`planLabel`); `agent:plan` when not given. */
  planLabel?: string;
}

export const DEFAULT_PLAN_LABEL = 'agent:plan';

export interface WebhookEventInput {
  /** The `x-github-event` name (`issues`), or `issues.labeled`. */
  name: string;
  /** The `x-github-delivery` id, kept on the trigger when given. */
  id?: string;
  payload: unknown;
}

export const BRANCH_PREFIX = 'nightshift/';

/**
 * The longest trigger text kept on the task. GitHub caps a comment or issue body at 65,536
 * characters, but a payload can carry more, and a task item must stay far below DynamoDB's 400 KB:
 * a longer text would make every delivery of the event fail. The prompt cuts at this length too.
 */
export const MAX_TRIGGER_TEXT = 20_000;

export { parseAgentCommand, type AgentCommand } from './agent-command.js';

export function decideTrigger(event: WebhookEventInput, ctx: TriggerContext): Decision {
  const payload = event.payload;
  if (!isObject(payload)) return ignore('the payload is not an object');
  const [name, actionInName] = event.name.split('.');
  const action = typeof payload.action === 'string' ? payload.action : undefined;
  if (actionInName !== undefined && actionInName !== action) {
    return ignore(`action ${action} is not ${actionInName}`);
  }
  const key = `${name}.${action}`;
  try {
    return decide(key, payload, new Decider(payload, ctx, event.id));
  } catch (error) {
    // A payload without the fields its event always has: not something to act on.
    if (error instanceof TypeError) return ignore(`malformed ${key} payload: ${error.message}`);
    throw error;
  }
}

function decide(key: string, payload: Record<string, unknown>, d: Decider): Decision {
  switch (key) {
    case 'issues.labeled':
      return d.issueLabeled(payload as Payload<'issues.labeled'>);
    case 'issue_comment.created':
      return d.issueComment(payload as Payload<'issue_comment.created'>);
    case 'pull_request_review_comment.created':
      return d.reviewComment(payload as Payload<'pull_request_review_comment.created'>);
    case 'pull_request_review.submitted':
      return d.review(payload as Payload<'pull_request_review.submitted'>);
    case 'check_run.requested_action':
      return d.checkRunAction(payload as Payload<'check_run.requested_action'>);
    case 'check_run.rerequested':
      return d.checkRunRerequested(payload as Payload<'check_run.rerequested'>);
    case 'check_suite.completed':
      return d.ciCompleted((payload as Payload<'check_suite.completed'>).check_suite);
    case 'check_run.completed':
      return d.ciCompleted((payload as Payload<'check_run.completed'>).check_run);
    case 'pull_request.closed':
      return pullRequestClosed(payload as Payload<'pull_request.closed'>);
    case 'pull_request.synchronize':
      return pullRequestPushed(payload as Payload<'pull_request.synchronize'>);
    default:
      return ignore(`${key} is not a trigger`);
  }
}

type PullRequestLike = {
  number: number;
  state?: string;
  head: { ref: string; repo?: { id: number } | null };
  base: { repo: { id: number } };
};

type CheckLike = {
  app?: { id?: number | null } | null;
  conclusion?: string | null;
  head_sha: string;
  pull_requests: PullRequestLike[];
};

class Decider {
  private readonly repo: string;
  private readonly repoId: number | undefined;
  private readonly sender: { login: string; type?: string } | undefined;

  constructor(
    payload: Record<string, unknown>,
    private readonly ctx: TriggerContext,
    private readonly deliveryId: string | undefined,
  ) {
    const repository = isObject(payload.repository) ? payload.repository : {};
    this.repo = String(repository.full_name ?? '').toLowerCase();
    this.repoId = typeof repository.id === 'number' ? repository.id : undefined;
    const sender = isObject(payload.sender) ? payload.sender : undefined;
    this.sender =
      sender && typeof sender.login === 'string'
        ? { login: sender.login, type: String(sender.type) }
        : undefined;
  }

  issueLabeled(p: Payload<'issues.labeled'>): Decision {
    const refused = this.refuseSender();
    if (refused) return refused;
    const label = p.label?.name;
    const planLabel = this.ctx.planLabel ?? DEFAULT_PLAN_LABEL;
    const plan = label?.toLowerCase() === planLabel.toLowerCase();
    if (!label || (!plan && label.toLowerCase() !== this.ctx.label.toLowerCase())) {
      return ignore(`label "${label ?? ''}" is not the trigger label "${this.ctx.label}" or "${planLabel}"`);
    }
    if (p.issue.pull_request) return ignore('the labelled issue is a pull request');
    if (p.issue.state !== 'open') return ignore('the issue is closed');
    const target: Target = { kind: 'issue', number: p.issue.number };
    if (plan)
      return this.task(target, { kind: 'plan', text: '', label }, `plan:${this.repo}#${p.issue.number}`);
    const text = [p.issue.title, p.issue.body ?? ''].join('\n\n').trim();
    return this.task(target, { kind: 'issue_label', text, label }, `label:${this.repo}#${p.issue.number}`);
  }

  issueComment(p: Payload<'issue_comment.created'>): Decision {
    const refused = this.refuseSender() ?? this.refuseOwnComment(p.comment);
    if (refused) return refused;
    const command = parseAgentCommand(p.comment.body);
    if (!command) return ignore('no /agent command in the comment');
    const isPull = Boolean(p.issue.pull_request);
    const target: Target = { kind: isPull ? 'pull_request' : 'issue', number: p.issue.number };
    if (command.command === 'stop') return this.stop(target, p.comment.id);
    const words = TARGET_NAMES[target.kind].noun;
    if (command.command === 'plan' || command.command === 'go') {
      if (isPull)
        return ignore(`/agent ${command.command} works on issues: a plan comes before the pull request`);
      if (p.issue.state !== 'open') return ignore('the issue is closed');
      const trigger: Trigger = { kind: command.command, text: command.instructions, commentId: p.comment.id };
      return this.task(target, trigger, `comment:${this.repo}#${p.comment.id}`);
    }
    if (command.command === 'fix' && !isPull) {
      return ignore('/agent fix works on pull requests; label the issue to hand it to Nightshift');
    }
    if (p.issue.state !== 'open') return ignore(`the ${words} is closed`);
    // The issue_comment payload does not say whether the pull request comes from a fork: the
    // caller checks the pull request before doing work.
    const task = this.task(
      target,
      {
        kind: isPull ? 'pr_comment' : 'issue_comment',
        text: command.instructions,
        commentId: p.comment.id,
      },
      `comment:${this.repo}#${p.comment.id}`,
    );
    // A bare `/agent fix` asks for a round of fixes, not for words to a running task.
    if (!task.trigger.text.trim()) return task;
    return {
      action: 'message',
      target,
      author: this.sender!.login,
      text: task.trigger.text,
      commentId: p.comment.id,
      otherwise: task,
    };
  }

  reviewComment(p: Payload<'pull_request_review_comment.created'>): Decision {
    const refused = this.refuseSender() ?? this.refuseOwnComment(p.comment);
    if (refused) return refused;
    const command = parseAgentCommand(p.comment.body);
    if (!command) return ignore('no /agent command in the review comment');
    const target: Target = { kind: 'pull_request', number: p.pull_request.number };
    if (command.command === 'stop') return this.stop(target, p.comment.id);
    if (command.command !== 'fix') return ignore('an inline comment takes /agent fix or /agent stop');
    if (p.pull_request.state !== 'open') return ignore('the pull request is closed');
    return this.task(
      target,
      { kind: 'review_comment', text: command.instructions, commentId: p.comment.id },
      `comment:${this.repo}#${p.comment.id}`,
      { fork: isFork(p.pull_request) },
    );
  }

  review(p: Payload<'pull_request_review.submitted'>): Decision {
    const refused = this.refuseSender();
    if (refused) return refused;
    const pr = p.pull_request;
    if (pr.state !== 'open') return ignore('the pull request is closed');
    const target: Target = { kind: 'pull_request', number: pr.number };
    const intentKey = `review:${this.repo}#${p.review.id}`;
    const command = parseAgentCommand(p.review.body);
    const reviewId = p.review.id;
    if (command?.command === 'fix') {
      const trigger: Trigger = { kind: 'review', text: command.instructions, reviewId };
      return this.task(target, trigger, intentKey, { fork: isFork(pr) });
    }
    if (command?.command === 'stop') return ignore('/agent stop is read from comments, not review bodies');
    const changesRequested = p.review.state?.toLowerCase() === 'changes_requested';
    if (!changesRequested) return ignore('the review has no /agent fix command');
    if (!this.isOurs(pr)) return ignore('changes were requested on a pull request Nightshift did not open');
    // The review body is not the instructions here: the agent reads the review and its comments.
    return this.task(target, { kind: 'review', text: '', reviewId }, intentKey, { changesRequested });
  }

  checkRunAction(p: Payload<'check_run.requested_action'>): Decision {
    const refused = this.refuseSender() ?? this.refuseForeignCheckRun(p.check_run);
    if (refused) return refused;
    const identifier = p.requested_action?.identifier;
    const taskId = p.check_run.external_id;
    if (!taskId) return ignore('the check run carries no task id');
    if (identifier === 'cancel') return { action: 'cancel', taskId, engineer: this.sender!.login };
    if (identifier === 'retry') return this.retry(p.check_run);
    return ignore(`unknown check run action "${identifier ?? ''}"`);
  }

  checkRunRerequested(p: Payload<'check_run.rerequested'>): Decision {
    const refused = this.refuseSender() ?? this.refuseForeignCheckRun(p.check_run);
    if (refused) return refused;
    if (!p.check_run.external_id) return ignore('the check run carries no task id');
    return this.retry(p.check_run);
  }

  /** A check suite or check run of another app failed on one of our pull requests. */
  ciCompleted(check: CheckLike | undefined): Decision {
    if (!check) return ignore('no check in the payload');
    if (check.app?.id === this.ctx.appId) return ignore("Nightshift's own check");
    if (check.conclusion !== 'failure' && check.conclusion !== 'timed_out') {
      return ignore(`conclusion ${check.conclusion ?? 'none'} is not a failure`);
    }
    const pr = check.pull_requests.find((candidate) => this.isOurs(candidate));
    if (!pr) return ignore('the failed check is not on a Nightshift pull request');
    return this.task(
      { kind: 'pull_request', number: pr.number },
      { kind: 'ci_failure', text: '', headSha: check.head_sha },
      `ci:${this.repo}#${pr.number}@${check.head_sha}`,
      {},
      '',
    );
  }

  private retry(checkRun: {
    id: number;
    external_id: string | null;
    head_sha: string;
    pull_requests: PullRequestLike[];
  }): Decision {
    const pr = checkRun.pull_requests.find((candidate) => this.isSameRepository(candidate));
    if (!pr) return ignore('the check run is not on an open pull request of this repository');
    return this.task(
      { kind: 'pull_request', number: pr.number },
      { kind: 'retry', text: '', headSha: checkRun.head_sha },
      `retry:${this.repo}#${checkRun.id}`,
      { retryOf: checkRun.external_id ?? undefined },
    );
  }

  private task(
    target: Target,
    trigger: Trigger,
    intentKey: string,
    extra: Pick<TaskDecision, 'fork' | 'changesRequested' | 'retryOf'> = {},
    engineer = this.sender?.login ?? '',
  ): TaskDecision {
    if (this.deliveryId) trigger.deliveryId = this.deliveryId;
    trigger.text = truncateText(trigger.text, MAX_TRIGGER_TEXT);
    const decision: TaskDecision = { action: 'task', target, trigger, engineer, intentKey };
    if (extra.fork) decision.fork = true;
    if (extra.changesRequested) decision.changesRequested = true;
    if (extra.retryOf) decision.retryOf = extra.retryOf;
    return decision;
  }

  private stop(target: Target, commentId: number): Decision {
    return { action: 'stop', target, engineer: this.sender!.login, commentId };
  }

  /** Bots (ours included) never trigger work. */
  private refuseSender(): Decision | undefined {
    const sender = this.sender;
    if (!sender) return ignore('the event has no sender');
    const login = sender.login.toLowerCase();
    if (this.ctx.appSlug && login === `${this.ctx.appSlug.toLowerCase()}[bot]`)
      return ignore('sent by Nightshift itself');
    if (sender.type === 'Bot' || login.endsWith('[bot]')) return ignore(`sender ${sender.login} is a bot`);
    return undefined;
  }

  private refuseOwnComment(comment: object): Decision | undefined {
    const app = (comment as { performed_via_github_app?: { id?: number } | null }).performed_via_github_app;
    return app?.id === this.ctx.appId ? ignore('written by Nightshift itself') : undefined;
  }

  private refuseForeignCheckRun(checkRun: { app?: { id: number } | null }): Decision | undefined {
    return checkRun.app?.id === this.ctx.appId ? undefined : ignore("not Nightshift's check run");
  }

  private isSameRepository(pr: PullRequestLike): boolean {
    const base = pr.base.repo.id;
    return pr.head.repo?.id === base && (this.repoId === undefined || base === this.repoId);
  }

  /** A pull request Nightshift opened: its branch, in this repository. */
  private isOurs(pr: PullRequestLike): boolean {
    return pr.head.ref.startsWith(BRANCH_PREFIX) && this.isSameRepository(pr);
  }
}

function isFork(pr: PullRequestLike): boolean {
  return pr.head.repo?.id !== pr.base.repo.id;
}

function ignore(reason: string): Decision {
  return { action: 'ignore', reason };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
