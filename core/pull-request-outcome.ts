/**
 * What became of a pull request Nightshift opened: recorded when it opens (the issue task that
 * opened it), completed by GitHub's `pull_request` events (closed: merged or not, when; a push by a
 * person). The record is the source of `nightshift stats` and the status page's outcome figures.
 */
export interface PullRequestRecord {
  /** `owner/name` */
  repository: string;
  number: number;
  /** The issue whose task opened it. */
  issueNumber: number;
  /** The responsible engineer (the pull request is assigned to them). */
  engineer: string;
  /** Who asked for the task that opened it. */
  requester: string;
  firstTaskId: string;
  /** When the first task was created: time to merge counts from here. */
  firstTaskAt: string;
  openedAt: string;
  state: 'open' | 'merged' | 'closed';
  closedAt?: string;
  mergedAt?: string;
  /** From the first task to the merge. */
  timeToMergeMs?: number;
  /** Tasks that worked on it (the one that opened it included; refusals not). */
  tasks?: number;
  /** Of those, automatic CI fixes. */
  ciFixRounds?: number;
  /** Someone other than a bot pushed commits to it. */
  peoplePushed?: boolean;
}

export type PullRequestOpening = Pick<
  PullRequestRecord,
  | 'repository'
  | 'number'
  | 'issueNumber'
  | 'engineer'
  | 'requester'
  | 'firstTaskId'
  | 'firstTaskAt'
  | 'openedAt'
>;

export type PullRequestClosing = Pick<
  PullRequestRecord,
  'closedAt' | 'mergedAt' | 'timeToMergeMs' | 'tasks' | 'ciFixRounds'
> & { merged: boolean };
