/**
 * Intake: decide whether a webhook is a trigger and record it. Runs before the webhook answers,
 * so it touches only the store and the dispatcher, never the GitHub API.
 */
import type { Logger } from 'pino';
import type { Dispatcher } from '../core/ports.js';
import { requesterFor } from '../core/requester.js';
import type { TaskStore } from '../core/store/task-store.js';
import { triggerKind, type Recorded } from '../core/trigger-kinds/index.js';
import { decideTrigger } from '../core/triggers.js';
import { recordOutcome } from './record-outcome.js';

export type IntakeOutcome =
  | { status: 'ignored'; reason: string }
  | { status: 'created'; taskId: string }
  | { status: 'duplicate'; taskId: string }
  | { status: 'control'; what: 'cancel' | 'message' }
  | { status: 'recorded'; what: 'outcome' };

export interface IntakeDeps {
  store: TaskStore;
  dispatcher: Dispatcher;
  appId: number;
  label: string;
  log: Logger;
}

export interface WebhookEventLike {
  id: string;
  name: string;
  payload: unknown;
}

interface InstallationPayload {
  action?: string;
  installation?: { id: number };
  repository?: { full_name: string };
}

export async function intake(deps: IntakeDeps, event: WebhookEventLike): Promise<IntakeOutcome> {
  const meta = event.payload as InstallationPayload;
  const repository = meta.repository?.full_name;
  let decision = decideTrigger(
    { name: event.name, payload: event.payload },
    { appId: deps.appId, label: deps.label },
  );
  if (decision.action === 'ignore' && event.name === 'issues' && meta.action === 'labeled' && repository) {
    // A repository may name its own labels in .github/nightshift.yml; dispatch remembers them.
    const label = await deps.store.repoLabel(repository);
    const planLabel = await deps.store.repoPlanLabel(repository);
    if (label || planLabel) {
      const ctx = { appId: deps.appId, label: label ?? deps.label, ...(planLabel ? { planLabel } : {}) };
      decision = decideTrigger({ name: event.name, payload: event.payload }, ctx);
    }
  }
  const installationId = meta.installation?.id;
  if (decision.action === 'ignore') return { status: 'ignored', reason: decision.reason };
  if (!repository || !installationId) return { status: 'ignored', reason: 'no repository or installation' };

  if (decision.action === 'outcome') {
    const result = await recordOutcome(deps, repository, decision);
    return result.recorded
      ? { status: 'recorded', what: 'outcome' }
      : { status: 'ignored', reason: result.reason };
  }

  if (decision.action === 'stop' || decision.action === 'cancel') {
    await deps.dispatcher.send({
      type: 'cancel',
      repository,
      installationId,
      sender: decision.engineer,
      ...(decision.action === 'cancel'
        ? { taskId: decision.taskId }
        : { targetNumber: decision.target.number }),
      ...(decision.action === 'stop' && decision.commentId ? { commentId: decision.commentId } : {}),
    });
    return { status: 'control', what: 'cancel' };
  }

  if (decision.action === 'message') {
    // Words for the agent at work on the target, if one listens; else they start a task. The
    // first delivery's route is kept, so a second delivery of the comment takes the same one.
    const { target, author, text, commentId } = decision;
    const listening = await deps.store.listeningTask(repository, target.number);
    const stored = await deps.store.recordMessage({
      ...{ repository, installationId, target, commentId, author, text },
      route: listening ? 'message' : 'task',
    });
    if (stored.route === 'message') {
      await deps.dispatcher.send({ type: 'message', repository, targetNumber: target.number, commentId });
      deps.log.info({ deliveryId: event.id, repository, commentId }, 'message for the agent at work');
      return { status: 'control', what: 'message' };
    }
    decision = decision.otherwise;
  }

  const kind = triggerKind(decision.trigger.kind);
  const recorded: Recorded | { ignored: string } = kind.record
    ? await kind.record(decision, deps.store, event.id)
    : { target: decision.target, trigger: decision.trigger, engineer: decision.engineer };
  if ('ignored' in recorded) return { status: 'ignored', reason: recorded.ignored };
  const { trigger, target } = recorded;
  let engineer = recorded.engineer;
  if (target.kind === 'pull_request' && kind.engineer !== 'kept') {
    // A pull request keeps one responsible engineer: whoever started Nightshift on it first (for a
    // pull request Nightshift opened, the labeller). The gate checks the sender instead.
    const owner = await deps.store.engineerOf(repository, target.number);
    if (owner) engineer = owner;
    else if (typeof kind.engineer === 'object') {
      return { status: 'ignored', reason: kind.engineer.existingOnly };
    } else engineer = await deps.store.claimEngineer(repository, target.number, engineer);
  }
  const sender = trigger.sender ?? decision.engineer;
  const result = await deps.store.createFromDelivery(
    event.id,
    {
      repository,
      installationId,
      target,
      trigger: { ...trigger, sender, deliveryId: event.id },
      engineer,
      requester: requesterFor(kind.startedBy, sender, engineer),
      ...(recorded.retryOf ? { retryOf: recorded.retryOf, attempt: recorded.attempt } : {}),
    },
    { intentKey: decision.intentKey },
  );
  if (!result.created) {
    deps.log.info({ deliveryId: event.id, taskId: result.taskId }, 'duplicate trigger: no new task');
    return { status: 'duplicate', taskId: result.taskId };
  }
  deps.log.info({ deliveryId: event.id, taskId: result.task.id, repository }, 'task recorded');
  await deps.dispatcher.send({ type: 'dispatch', taskId: result.task.id });
  return { status: 'created', taskId: result.task.id };
}
