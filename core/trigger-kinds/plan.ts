/**
 * `plan`: the plan label (`planLabel`), or `/agent plan [focus or feedback]` on an issue. The agent
 * explores without changing anything and Nightshift posts its plan as the one plan comment
 * (core/plan.ts); asked again, it revises that comment with the plan as it stands and the feedback.
 */
import type { RepoConfig } from '../config.js';
import type { Trigger } from '../task.js';
import { PERSON_ASKS, type Refusal, type TriggerKindSpec } from './kind.js';

export const plan: TriggerKindSpec<'plan'> = {
  ...PERSON_ASKS,
  kind: 'plan',
  words: '/agent plan',
  acknowledgeIn: 'issue_comment',
  admit: async (task, config) => refuseOtherPlanLabel(task.trigger, config),
  plans: () => true,
  readsPlan: 'to revise',
};

/** A plan label that is not the repository's `planLabel`. */
function refuseOtherPlanLabel(trigger: Trigger, config: RepoConfig): Refusal | undefined {
  const applied = trigger.label;
  if (!applied || applied.toLowerCase() === config.planLabel.toLowerCase()) return undefined;
  return {
    status: 'cancelled',
    outcome: {
      conclusion: 'neutral',
      headline: `"${applied}" is not this repository's plan label ("${config.planLabel}")`,
    },
  };
}
