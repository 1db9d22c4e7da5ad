/**
 * Lost webhooks: deliveries GitHub could not make (the webhook function throttled or down) are
 * asked for again, once each, through the App's delivery API on the fake GitHub; the redelivered
 * webhook goes through the real acceptance path (signature, intake, the delivery-id dedup).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startHarness, type Harness } from '../support/harness.js';
import { RecordingRunner } from './support.js';

const HOUR = 60 * 60_000;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('reliability: lost webhooks are redelivered', () => {
  let h: Harness;
  const runner = new RecordingRunner();
  const received: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ runner });
    // GitHub redelivers to the App's webhook URL: here, the Lambda handler, signed as GitHub signs.
    h.github.hookReceiver = async (delivery) => {
      received.push(delivery.guid);
      return (await h.deliver(delivery.event, delivery.payload, { deliveryId: delivery.guid })).statusCode;
    };
  });
  afterAll(() => h.close());

  async function labelled(title: string) {
    const issue = h.github.addIssue(REPO, { title, user: 'bob' });
    const payload = await h.payload('issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: 'alice' },
    });
    return { number: issue.number, payload };
  }
  const tasksFor = async (number: number) => (await h.tasks()).filter((t) => t.target.number === number);

  it('a delivery GitHub could not make → redelivered once, one task; ones that succeeded later, could not be cured, or are too old → left alone', async () => {
    // Throttled: GitHub got a 429 and never reached intake.
    const lost = await labelled('Lost to a throttle');
    h.github.addHookDelivery({ guid: 'lost-429', event: 'issues', payload: lost.payload, statusCode: 429 });
    // Timed out on GitHub's side, though intake had recorded it: redelivered, and deduplicated.
    const slow = await labelled('Answered too late');
    expect((await h.deliver('issues', slow.payload, { deliveryId: 'slow-0' })).statusCode).toBe(202);
    h.github.addHookDelivery({ guid: 'slow-0', event: 'issues', payload: slow.payload, statusCode: 0 });
    // Failed, then redelivered by hand from the App's settings: it succeeded.
    const cured = await labelled('Redelivered by hand');
    h.github.addHookDelivery({ guid: 'cured', event: 'issues', payload: cured.payload, statusCode: 502 });
    h.github.addHookDelivery({ guid: 'cured', event: 'issues', payload: cured.payload, statusCode: 202 });
    // A refusal that a redelivery would only repeat (a bad signature), and one from long ago.
    const refused = await labelled('Refused');
    h.github.addHookDelivery({ guid: 'refused', event: 'issues', payload: refused.payload, statusCode: 401 });
    const old = await labelled('Too old');
    h.github.addHookDelivery({
      guid: 'old',
      event: 'issues',
      payload: old.payload,
      statusCode: 503,
      deliveredAt: iso(5 * HOUR),
    });
    await h.dispatcher.idle();
    const before = h.github.callsTo('apps/redeliver-webhook-delivery').length;

    const report = await h.composition.redeliver();
    await h.dispatcher.idle();
    expect(report.redelivered.sort()).toEqual(['lost-429', 'slow-0']);
    expect(received.sort()).toEqual(['lost-429', 'slow-0']);
    expect(h.github.callsTo('apps/redeliver-webhook-delivery').length - before).toBe(2);
    // It acted as the App (the fake answers `/app/...` only to the App's JWT).
    expect(h.github.callsTo('apps/list-webhook-deliveries').map((c) => c.status)).toContain(200);

    const [lostTask] = await tasksFor(lost.number);
    expect(lostTask?.status).toBe('dispatched');
    expect(lostTask?.trigger.deliveryId).toBe('lost-429');
    expect(runner.started.map((t) => t.id)).toContain(lostTask?.id);
    expect(await tasksFor(slow.number)).toHaveLength(1);
    for (const untouched of [cured, refused, old]) expect(await tasksFor(untouched.number)).toEqual([]);

    // The next runs ask for nothing: the redeliveries succeeded, and each was asked for once.
    expect((await h.composition.redeliver()).redelivered).toEqual([]);
    expect(h.github.callsTo('apps/redeliver-webhook-delivery').length - before).toBe(2);
  });

  it('a redelivery that fails again is not asked for a second time', async () => {
    const down = await labelled('Down twice');
    h.github.addHookDelivery({ guid: 'down-twice', event: 'issues', payload: down.payload, statusCode: 503 });
    const receiver = h.github.hookReceiver;
    h.github.hookReceiver = async () => 503;
    try {
      expect((await h.composition.redeliver()).redelivered).toEqual(['down-twice']);
      expect(h.github.state.hookDeliveries.filter((d) => d.guid === 'down-twice')).toHaveLength(2);
      expect((await h.composition.redeliver()).redelivered).toEqual([]);
      expect(h.github.state.hookDeliveries.filter((d) => d.guid === 'down-twice')).toHaveLength(2);
    } finally {
      h.github.hookReceiver = receiver;
    }
    expect(await tasksFor(down.number)).toEqual([]);
  });
});
