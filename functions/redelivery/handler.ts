/** Lambda entry for the scheduled redelivery of failed webhook deliveries: wiring only. */
import { composeRedelivery } from '../composition/compose-redelivery.js';
import { once } from '../once.js';
import { redeliverFailed, type RedeliveryReport } from './redeliver.js';

const ready = once(() => composeRedelivery(process.env));

export async function handler(): Promise<RedeliveryReport> {
  return redeliverFailed(await ready());
}
