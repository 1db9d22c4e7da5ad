/**
 * Lambda entry for the webhook Function URL: wiring only. Dependencies are built once per cold
 * start, outside the per-invocation handler; the webhook only records and dispatches, so it takes
 * the composition's first layer (no GitHub access, no runner).
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { composeIntake } from '../composition/compose-intake.js';
import { once } from '../once.js';
import { handleWebhook } from './handle-webhook.js';

const ready = once(async () => (await composeIntake(process.env, { placement: 'lambda' })).webhook);

export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  return handleWebhook(await ready(), event);
}
