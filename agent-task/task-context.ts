/**
 * What the agent is asked to do, gathered from GitHub (fetching) and written as prompt text
 * (formatting). Everything here came from GitHub users: it is sanitized and later wrapped as
 * untrusted data in the prompt.
 */
import type { RepositoryGateway } from '../core/github/repository-gateway.js';
import { sanitizeUntrusted } from '../core/sanitize.js';
import type { Task } from '../core/task.js';
import { PlanComments } from '../core/github/plan-comment.js';
import { planFromComment, withPlan } from '../core/plan.js';
import { triggerKind, type ReviewThreadSelection } from '../core/trigger-kinds/index.js';

const MAX_BODY = 20_000;
const MAX_LOG_TAIL = 12_000;

export interface ReviewThread {
  id: number;
  path: string;
  line: number | null;
  diffHunk: string;
  body: string;
  author: string;
}

export interface TaskContext {
  kind: 'issue' | 'pull_request';
  title: string;
  body: string;
  instructions: string;
  /** Further evidence: failing checks, review comments, merge state. */
  context: string;
  /** Review comments the agent should answer in their threads after pushing. */
  reviewThreads: ReviewThread[];
  /** Pull request only. */
  baseBranch?: string;
  /** Pull request only: its page, as GitHub gives it. */
  pullRequestUrl?: string;
  mergeConflict?: boolean;
}

function clean(text: string | null | undefined, max = MAX_BODY): string {
  return sanitizeUntrusted(text ?? '', { maxChars: max });
}

export async function gatherContext(github: RepositoryGateway, task: Task): Promise<TaskContext> {
  const kind = triggerKind(task.trigger.kind);
  let instructions = clean(kind.instructions(task.trigger));
  if (task.target.kind === 'issue') {
    if (kind.readsPlan) {
      // The plan as it stands now: people may have edited the comment since it was posted.
      const plan = await new PlanComments(github).find(task.target.number);
      instructions = clean(withPlan(kind.readsPlan, plan && planFromComment(plan.body), instructions));
    }
    const issue = await github.issue(task.target.number);
    return {
      kind: 'issue',
      title: clean(issue.title, 500),
      body: clean(issue.body),
      instructions,
      context: '',
      reviewThreads: [],
    };
  }
  const pr = await github.pullRequest(task.target.number);
  const sections: string[] = [];
  const gathering = kind.gathers(task.trigger, instructions);
  const threads = await unresolvedReviewThreads(github, task.target.number, gathering.reviewThreads);
  if (gathering.failingChecks) {
    const failing = await failingChecks(github, pr.head.sha);
    if (failing) sections.push(`## Failing checks on ${pr.head.sha.slice(0, 7)}\n\n${failing}`);
  }
  if (threads.length) {
    sections.push(
      `## Unresolved review comments\n\n${threads
        .map(
          (t) =>
            `### Comment ${t.id} by @${t.author} on ${t.path}${t.line ? ` line ${t.line}` : ''}\n\n` +
            `\`\`\`diff\n${t.diffHunk}\n\`\`\`\n\n${t.body}`,
        )
        .join('\n\n')}`,
    );
  }
  const mergeConflict = pr.mergeable === false || pr.mergeable_state === 'dirty';
  if (mergeConflict) {
    sections.push(
      `## Merge conflict\n\nThis branch no longer merges cleanly with ${pr.base.ref}. Nightshift has merged ` +
        `${pr.base.ref} into the branch in the workspace; resolve the conflict markers, keep both sides' intent, ` +
        `and run the checks.`,
    );
  }
  return {
    kind: 'pull_request',
    title: clean(pr.title, 500),
    body: clean(pr.body),
    instructions: instructions || kind.defaultInstructions,
    context: sections.join('\n\n'),
    reviewThreads: threads,
    baseBranch: pr.base.ref,
    pullRequestUrl: pr.html_url,
    mergeConflict,
  };
}

/** Inline comments that start a thread: the ones `selection` names (see the trigger kind). */
async function unresolvedReviewThreads(
  github: RepositoryGateway,
  pullNumber: number,
  selection: ReviewThreadSelection,
): Promise<ReviewThread[]> {
  if (selection.select === 'none') return [];
  const comments = await github.reviewComments(pullNumber);
  const replied = new Set(
    comments.map((c) => c.in_reply_to_id).filter((id): id is number => typeof id === 'number'),
  );
  return comments
    .filter((c) => {
      if (c.in_reply_to_id) return false;
      if (selection.select === 'comment') return c.id === selection.commentId;
      if (selection.select === 'review') return c.pull_request_review_id === selection.reviewId;
      return !replied.has(c.id);
    })
    .map((c) => ({
      id: c.id,
      path: c.path,
      line: c.line ?? c.original_line ?? null,
      diffHunk: clean(c.diff_hunk, 4000),
      body: clean(c.body, 4000),
      author: c.user?.login ?? 'unknown',
    }));
}

/** Other apps' failed check runs on `sha`: titles, summaries, annotations, and Actions log tails. */
async function failingChecks(github: RepositoryGateway, sha: string): Promise<string> {
  const runs = await github.checkRunsOn(sha);
  const failed = runs.filter(
    (r) => r.name !== 'nightshift' && (r.conclusion === 'failure' || r.conclusion === 'timed_out'),
  );
  const parts: string[] = [];
  for (const run of failed.slice(0, 5)) {
    const lines = [`### ${run.name} (${run.app?.name ?? 'CI'}): ${run.conclusion}`];
    if (run.output?.title) lines.push(clean(run.output.title, 500));
    if (run.output?.summary) lines.push(clean(run.output.summary, 4000));
    if (run.output?.annotations_count) {
      for (const a of await github.annotations(run.id)) {
        lines.push(
          `- ${a.path}:${a.start_line} [${a.annotation_level}] ${clean(a.title ?? '', 200)} ${clean(a.message, 1000)}`,
        );
      }
    }
    if (run.app?.slug === 'github-actions') {
      const log = await github.jobLog(run.id);
      const tail = log === undefined ? '' : trimLog(log);
      if (tail) lines.push(`Log (tail):\n\`\`\`\n${tail}\n\`\`\``);
    }
    parts.push(lines.join('\n'));
  }
  return parts.join('\n\n');
}

/** The end of a CI log is where failures are; drop timestamps and blank noise, keep the tail. */
export function trimLog(log: string): string {
  const lines = log
    .split('\n')
    .map((l) => l.replace(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\s?/, ''))
    .filter((l) => l.trim() && !/^##\[(group|endgroup)\]/.test(l));
  return clean(lines.join('\n').slice(-MAX_LOG_TAIL), MAX_LOG_TAIL);
}
