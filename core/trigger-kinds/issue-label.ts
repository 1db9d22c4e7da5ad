/**
 * `issue_label`: someone with write access labels an issue with the trigger label. The issue is the
 * brief (the label carries no instructions); the work ends in a pull request that closes it. The
 * webhook is read with the deployment's label or the one the repository was last seen with; the
 * repository's config has the last word.
 */
import type { RepoConfig } from '../config.js';
import type { Trigger } from '../task.js';
import { PERSON_ASKS, type Refusal, type TriggerKindSpec } from './kind.js';

export const issueLabel: TriggerKindSpec<'issue_label'> = {
  ...PERSON_ASKS,
  kind: 'issue_label',
  words: 'label',
  admit: async (task, config) => refuseOtherLabel(task.trigger, config),
  instructions: () => '',
  plans: (config) => config.plan === 'always',
};

/** A label that is not the repository's trigger label (its config may name its own). */
export function refuseOtherLabel(trigger: Trigger, config: RepoConfig): Refusal | undefined {
  const applied = trigger.label;
  if (!applied || applied.toLowerCase() === config.label.toLowerCase()) return undefined;
  return {
    status: 'cancelled',
    outcome: {
      conclusion: 'neutral',
      headline: `"${applied}" is not this repository's trigger label ("${config.label}")`,
    },
  };
}
