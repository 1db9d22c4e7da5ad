/** The `pull_request` events that complete a Nightshift pull request's record (core/pull-request-event.ts). */
import { describe, expect, it } from 'vitest';
import { decideTrigger } from '../../../core/triggers.js';
import { example, patch } from './webhook-examples.js';

const ctx = { appId: 4242, appSlug: 'nightshift', label: 'agent' };
const decide = (name: string, payload: unknown) => decideTrigger({ name, payload }, ctx);

describe('pull_request events', () => {
  it('reads a merge and a close without merge from real payloads', () => {
    const merged = patch(example('pull_request', 'closed'), {
      'pull_request.number': 7,
      'pull_request.merged': true,
      'pull_request.merged_at': '2030-01-02T03:04:05Z',
      'pull_request.closed_at': '2030-01-02T03:04:05Z',
    });
    expect(decide('pull_request', merged)).toEqual({
      action: 'outcome',
      event: 'closed',
      number: 7,
      merged: true,
      closedAt: '2030-01-02T03:04:05Z',
      mergedAt: '2030-01-02T03:04:05Z',
    });
    const closed = patch(example('pull_request', 'closed'), {
      'pull_request.number': 8,
      'pull_request.merged': false,
      'pull_request.merged_at': null,
      'pull_request.closed_at': '2030-01-03T00:00:00Z',
    });
    expect(decide('pull_request.closed', closed)).toEqual({
      action: 'outcome',
      event: 'closed',
      number: 8,
      merged: false,
      closedAt: '2030-01-03T00:00:00Z',
    });
  });

  it('notes a push by a person, not by a bot', () => {
    const push = patch(example('pull_request', 'synchronize'), {
      'pull_request.number': 9,
      'sender.login': 'alice',
      'sender.type': 'User',
    });
    expect(decide('pull_request', push)).toEqual({
      action: 'outcome',
      event: 'pushed',
      number: 9,
      by: 'alice',
    });
    const byBot = patch(structuredClone(push), { 'sender.login': 'nightshift[bot]', 'sender.type': 'Bot' });
    expect(decide('pull_request', byBot)).toEqual({ action: 'ignore', reason: 'a push by a bot' });
  });

  it('ignores other actions and malformed payloads', () => {
    expect(decide('pull_request', example('pull_request', 'opened')).action).toBe('ignore');
    const broken = patch(example('pull_request', 'closed'), { 'pull_request.closed_at': undefined });
    expect(decide('pull_request', broken)).toMatchObject({ action: 'ignore', reason: /malformed/ });
  });
});
