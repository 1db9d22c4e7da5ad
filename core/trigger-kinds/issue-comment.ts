/**
 * `issue_comment`: `/agent <instructions>` on an issue no task is working on (with one at work, the
 * words go to it instead: core/messages.ts). It starts a task as the label does, with the issue as
 * the brief and the comment's words as the instructions; the comment gets 👀.
 */
import { PERSON_ASKS, type TriggerKindSpec } from './kind.js';

export const issueComment: TriggerKindSpec<'issue_comment'> = {
  ...PERSON_ASKS,
  kind: 'issue_comment',
  words: '/agent',
  acknowledgeIn: 'issue_comment',
};
