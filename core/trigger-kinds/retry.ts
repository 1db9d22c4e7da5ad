/**
 * `retry`: the check run's Retry button or Re-run. The new task continues the one it retries: the
 * same instructions, target and responsible engineer, one attempt further, admitted on the same
 * terms (the label it was started with, a changes-requested review); the person who pressed the
 * button is the sender the gate checks.
 */
import { refuseOtherLabel } from './issue-label.js';
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';
import { refuseReviewFix } from './review.js';

export const retry: TriggerKindSpec<'retry'> = {
  ...PERSON_ASKS,
  kind: 'retry',
  words: 'retry',
  engineer: 'kept',
  admit: async (task, config) =>
    refuseOtherLabel(task.trigger, config) ?? refuseReviewFix(task.trigger, config),
  async record(decision, store, deliveryId) {
    const { trigger, engineer, target } = decision;
    if (!decision.retryOf) return { trigger, engineer, target };
    const original = await store.get(decision.retryOf);
    if (!original) return { ignored: `retry of unknown task ${decision.retryOf}` };
    return {
      trigger: { ...original.trigger, kind: 'retry', sender: decision.engineer, deliveryId },
      engineer: original.engineer,
      target: original.target,
      retryOf: original.id,
      attempt: original.attempt + 1,
    };
  },
};
