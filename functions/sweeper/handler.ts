/** Lambda entry for the scheduled sweeper (EventBridge schedule): wiring only. */
import { compose } from '../composition/compose.js';
import { once } from '../once.js';
import type { SweepReport } from './sweep.js';

const ready = once(() => compose(process.env, { placement: 'lambda' }));

export async function handler(): Promise<SweepReport> {
  return (await ready()).sweep();
}
