/**
 * How the two things a task works on are named, in one table: `issue #3`, `owner/repo!3`. What a
 * task does differently on each (a draft pull request for an issue, pushes to a pull request's
 * head) lives with the code that does it; the trigger kinds are in `trigger-kinds/`.
 */
import type { Target, TargetKind } from './task.js';

export interface TargetNames {
  noun: string;
  withArticle: string;
  /** Between the repository and the number in a task's short label. */
  sigil: '#' | '!';
}

export const TARGET_NAMES: { readonly [K in TargetKind]: TargetNames } = {
  issue: { noun: 'issue', withArticle: 'an issue', sigil: '#' },
  pull_request: { noun: 'pull request', withArticle: 'a pull request', sigil: '!' },
};

/** `issue #3`, `pull request #7`. */
export function describeTarget(target: Target): string {
  return `${TARGET_NAMES[target.kind].noun} #${target.number}`;
}
