/**
 * `ci_failure`: another app's checks failed on a Nightshift pull request. The app starts it itself
 * (no permission gate), only on a pull request someone already answers for, within the
 * repository's `ciFix` budget; the agent reads the failing checks.
 */
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';

export const ciFailure: TriggerKindSpec<'ci_failure'> = {
  ...PERSON_ASKS,
  kind: 'ci_failure',
  words: 'CI failure',
  startedBy: 'app',
  engineer: { existingOnly: 'CI failed on a pull request Nightshift never worked on' },
  gathers: () => ({ failingChecks: true, reviewThreads: { select: 'none' } }),
  defaultInstructions: 'Make the failing checks pass.',
  defaultSubject: 'Fix failing checks',
  async admit(task, config, counters) {
    if (!config.ciFix.enabled) {
      return {
        status: 'cancelled',
        outcome: { conclusion: 'neutral', headline: 'Automatic CI fixes are turned off' },
      };
    }
    const used = await counters.increment(`ci:${task.repository.toLowerCase()}#${task.target.number}`);
    if (used <= config.ciFix.maxAttempts) return undefined;
    return {
      status: 'cancelled',
      outcome: { conclusion: 'neutral', headline: 'CI fix attempts used up' },
      comment:
        `Nightshift stopped trying to fix CI on this pull request: it used all ${config.ciFix.maxAttempts} ` +
        `automatic attempts (\`ciFix.maxAttempts\`). Comment \`/agent fix\` to ask for another round.`,
    };
  },
};
