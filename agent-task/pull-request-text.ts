/**
 * What publishing says, as pure functions: branch names, commit messages and the pull request's
 * body. publish.ts posts it; the gateway redacts before anything leaves.
 */
import { usageLine } from '../core/report.js';
import type { Task } from '../core/task.js';
import type { Author } from './own-repository.js';

export function botAuthor(slug: string): Author {
  return { name: `${slug}[bot]`, email: `${slug}[bot]@users.noreply.github.com` };
}

export function commitMessage(subject: string, body: string, engineer: string): string {
  const trailer = engineer ? `\n\nCo-authored-by: ${engineer} <${engineer}@users.noreply.github.com>` : '';
  const text = body.trim() ? `\n\n${body.trim().slice(0, 4000)}` : '';
  return `${subject.slice(0, 72)}${text}${trailer}\n`;
}

export function branchForIssue(number: number, title: string): string {
  const slug = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `nightshift/issue-${number}${slug ? `-${slug}` : ''}`;
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
  files: string[];
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
  lines.push(
    '## Files changed',
    '',
    ...(input.files.length ? input.files.map((f) => `- \`${f.replace(/\t/g, ' ')}\``) : ['(none)']),
    '',
  );
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
