/**
 * The `pull_request` events that complete a Nightshift pull request's record (not triggers: they
 * start no task): `closed`, merged or not, and `synchronize` by a person (someone pushed commits).
 * Pure; whether the pull request is one Nightshift opened is the store's to say (its record exists).
 */
import type { EmitterWebhookEvent } from '@octokit/webhooks';

type Payload<E extends 'pull_request.closed' | 'pull_request.synchronize'> =
  EmitterWebhookEvent<E>['payload'];

export type OutcomeDecision =
  | {
      action: 'outcome';
      event: 'closed';
      number: number;
      merged: boolean;
      closedAt: string;
      mergedAt?: string;
    }
  | { action: 'outcome'; event: 'pushed'; number: number; by: string };

export function pullRequestClosed(payload: Payload<'pull_request.closed'>): OutcomeDecision {
  const pr = payload.pull_request;
  const closedAt = pr.closed_at;
  if (typeof pr.number !== 'number' || typeof closedAt !== 'string')
    throw new TypeError('no pull request number or closed_at');
  const merged = pr.merged === true && typeof pr.merged_at === 'string';
  return {
    action: 'outcome',
    event: 'closed',
    number: pr.number,
    merged,
    closedAt,
    ...(merged && pr.merged_at ? { mergedAt: pr.merged_at } : {}),
  };
}

/** A push by a bot (Nightshift itself, or another app) is not a person's. */
export function pullRequestPushed(
  payload: Payload<'pull_request.synchronize'>,
): OutcomeDecision | { action: 'ignore'; reason: string } {
  const sender = payload.sender;
  if (!sender?.login) throw new TypeError('no sender');
  if (sender.type === 'Bot') return { action: 'ignore', reason: 'a push by a bot' };
  return { action: 'outcome', event: 'pushed', number: payload.pull_request.number, by: sender.login };
}
