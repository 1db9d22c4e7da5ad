/**
 * `go`: `/agent go [more instructions]` on an issue with a plan. The work starts as a labelled
 * issue's does, with the plan comment as it stands when the task starts (people may have edited
 * it; the edited text is what the agent gets) and the comment's words as more instructions.
 */
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';

export const go: TriggerKindSpec<'go'> = {
  ...PERSON_ASKS,
  kind: 'go',
  words: '/agent go',
  acknowledgeIn: 'issue_comment',
  readsPlan: 'to carry out',
};
