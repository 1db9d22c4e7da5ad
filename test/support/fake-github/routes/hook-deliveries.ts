// The App's webhook deliveries (app JWT): listed newest first with cursor pagination, as GitHub
// does, and redelivered on request to `fake.hookReceiver` (the test's webhook endpoint), each
// redelivery recorded as a new attempt with the same guid.
import { json, notFound } from '../http.js';
import type { HookDeliveryRecord } from '../types.js';
import type { Handlers, RouteContext } from './types.js';
import { intParam } from './util.js';

function serialize(d: HookDeliveryRecord) {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: d.deliveredAt,
    redelivery: d.redelivery,
    duration: 0.05,
    status:
      d.statusCode >= 200 && d.statusCode < 300
        ? 'OK'
        : d.statusCode === 0
          ? 'timed out'
          : 'Invalid HTTP Response: ' + d.statusCode,
    status_code: d.statusCode,
    event: d.event,
    action: d.action,
    installation_id: d.installationId,
    repository_id: null,
  };
}

function list(ctx: RouteContext) {
  const all = [...ctx.fake.state.hookDeliveries].reverse();
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
  const start = Number(ctx.query.get('cursor') ?? 0) || 0;
  const page = all.slice(start, start + perPage);
  const headers: Record<string, string> = {};
  if (start + perPage < all.length) {
    const next = new URL(ctx.selfUrl);
    next.searchParams.set('per_page', String(perPage));
    next.searchParams.set('cursor', String(start + perPage));
    headers.link = `<${next.toString()}>; rel="next"`;
  }
  return json(200, page.map(serialize), headers);
}

export const hookDeliveryRoutes: Handlers = {
  'apps/list-webhook-deliveries': list,

  'apps/get-webhook-delivery': (ctx) => {
    const found = ctx.fake.state.hookDeliveries.find((d) => d.id === intParam(ctx, 'delivery_id'));
    if (!found) throw notFound(ctx.op.documentationUrl);
    return json(200, { ...serialize(found), request: { headers: {}, payload: found.payload } });
  },

  'apps/redeliver-webhook-delivery': async (ctx) => {
    const { fake } = ctx;
    const found = fake.state.hookDeliveries.find((d) => d.id === intParam(ctx, 'delivery_id'));
    if (!found) throw notFound(ctx.op.documentationUrl);
    const statusCode = fake.hookReceiver ? await fake.hookReceiver(found).catch(() => 0) : 0;
    fake.addHookDelivery({ ...found, statusCode, redelivery: true });
    return json(202, {});
  },
};
