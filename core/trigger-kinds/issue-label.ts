/**
 * `issue_label`: someone with write access labels an issue with the trigger label. The issue is the
 * brief (the label carries no instructions); the work ends in a pull request that closes it.
 */
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';

export const issueLabel: TriggerKindSpec<'issue_label'> = {
  ...PERSON_ASKS,
  kind: 'issue_label',
  instructions: () => '',
};
