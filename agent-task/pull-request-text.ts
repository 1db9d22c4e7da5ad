/**
 * What publishing says, as pure functions: the commit's author and the pull request's body
 * (branch names and commit messages are core/branch-name.ts and core/commit-message.ts).
 * publish.ts posts it; the gateway redacts before anything leaves.
 */
import { filesChangedList, type ChangedFile } from '../core/changed-files.js';
import { usageLine } from '../core/report.js';
import type { Task } from '../core/task.js';
import type { Author } from './own-repository.js';

export function botAuthor(slug: string): Author {
  return { name: `${slug}[bot]`, email: `${slug}[bot]@users.noreply.github.com` };
}

export interface CheckResult {
  command: string;
  passed: boolean;
  output: string;
}

export function checksSection(checks: CheckResult[]): string {
  if (!checks.length) return 'No test command is configured (`test` in `.github/nightshift.yml`).';
  return checks.map((c) => `- \`${c.command}\`: ${c.passed ? 'passed ✅' : 'failed ❌'}`).join('\n');
}

export function pullRequestBody(input: {
  issueNumber: number;
  summary: string;
  files: ChangedFile[];
  /** The pull request's page, to link each file to its diff. */
  pullRequestUrl?: string;
  checks: CheckResult[];
  task: Task;
  working?: boolean;
}): string {
  const lines = [`Closes #${input.issueNumber}`, ''];
  if (input.working) {
    lines.push(
      `Nightshift is working on this for @${input.task.engineer}. This description is updated when it finishes.`,
    );
    return lines.join('\n');
  }
  lines.push('## Summary', '', input.summary.trim() || '(no summary)', '');
  lines.push('## Files changed', '', filesChangedList(input.files, input.pullRequestUrl), '');
  lines.push('## Checks', '', checksSection(input.checks), '');
  lines.push('## Usage', '', usageLine(input.task.usage), '');
  lines.push(
    `_Opened by Nightshift for @${input.task.engineer}, who reviews it. Comment \`/agent fix …\` to ask for changes._`,
  );
  return lines.join('\n');
}

export function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 120);
}
