/**
 * Posts what core/report.ts composes: check runs, tracking comments, reactions and replies.
 * Everything leaving here passes through redaction first, and comments carry a marker so a post
 * retried after a 5xx finds the one it already made instead of adding a second.
 */
import type { ProbotOctokit } from 'probot';
import { redactSecrets } from '../sanitize.js';
import {
  CANCEL_ACTION,
  CHECK_RUN_NAME,
  RETRY_ACTION,
  commentMarker,
  type FinalReport,
  type CheckRunAction,
} from '../report.js';
import type { Task } from '../task.js';

export type Octokit = ProbotOctokit;

export type RepoRef = {
  owner: string;
  repo: string;
};

export function repoRef(repository: string): RepoRef {
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) throw new Error(`not an owner/name repository: ${repository}`);
  return { owner, repo };
}

export class GitHubReporter {
  readonly ref: RepoRef;

  constructor(
    readonly octokit: Octokit,
    repository: string,
    private readonly secrets: () => string[] = () => [],
    private readonly detailsUrl?: (task: Task) => string | undefined,
  ) {
    this.ref = repoRef(repository);
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets());
  }

  /** A new `nightshift` check run on `headSha`, tied to the task by its external id. */
  async createCheckRun(
    task: Task,
    headSha: string,
    status: 'queued' | 'in_progress',
    output: { title: string; summary: string },
  ): Promise<number> {
    const detailsUrl = this.detailsUrl?.(task);
    const { data } = await this.octokit.rest.checks.create({
      ...this.ref,
      name: CHECK_RUN_NAME,
      head_sha: headSha,
      status,
      external_id: task.id,
      ...(detailsUrl ? { details_url: detailsUrl } : {}),
      ...(status === 'in_progress' ? { started_at: new Date().toISOString() } : {}),
      output: this.redactOutput(output),
      actions: [CANCEL_ACTION],
    });
    return data.id;
  }

  async updateCheckRun(
    checkRunId: number,
    status: 'queued' | 'in_progress',
    output: { title: string; summary: string },
  ): Promise<void> {
    await this.octokit.rest.checks.update({
      ...this.ref,
      check_run_id: checkRunId,
      status,
      output: this.redactOutput(output),
      actions: [CANCEL_ACTION],
    });
  }

  async concludeCheckRun(checkRunId: number, report: FinalReport): Promise<void> {
    const actions: CheckRunAction[] =
      report.conclusion === 'failure' ||
      report.conclusion === 'cancelled' ||
      report.conclusion === 'timed_out'
        ? [RETRY_ACTION]
        : [];
    await this.octokit.rest.checks.update({
      ...this.ref,
      check_run_id: checkRunId,
      status: 'completed',
      conclusion: report.conclusion,
      completed_at: new Date().toISOString(),
      output: this.redactOutput({
        title: report.title,
        summary: report.summary,
        ...(report.text ? { text: report.text } : {}),
      }),
      actions,
    });
  }

  /** Create or update the one comment of `kind` for this task on an issue or PR conversation. */
  async upsertComment(
    issueNumber: number,
    task: Task,
    kind: string,
    body: string,
    commentId?: number,
  ): Promise<number> {
    const marked = body.includes(commentMarker(task.id, kind))
      ? body
      : `${commentMarker(task.id, kind)}\n${body}`;
    const text = this.redact(marked);
    const existing = commentId ?? (await this.findComment(issueNumber, commentMarker(task.id, kind)));
    if (existing) {
      await this.octokit.rest.issues.updateComment({ ...this.ref, comment_id: existing, body: text });
      return existing;
    }
    const { data } = await this.octokit.rest.issues.createComment({
      ...this.ref,
      issue_number: issueNumber,
      body: text,
    });
    return data.id;
  }

  async findComment(issueNumber: number, marker: string): Promise<number | undefined> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.ref,
      issue_number: issueNumber,
      per_page: 100,
    });
    return comments.find((c) => c.body?.includes(marker))?.id;
  }

  async reactToComment(
    kind: 'issue_comment' | 'review_comment',
    commentId: number,
    content: 'eyes' | '+1',
  ): Promise<void> {
    if (kind === 'issue_comment') {
      await this.octokit.rest.reactions.createForIssueComment({
        ...this.ref,
        comment_id: commentId,
        content,
      });
    } else {
      await this.octokit.rest.reactions.createForPullRequestReviewComment({
        ...this.ref,
        comment_id: commentId,
        content,
      });
    }
  }

  async replyToReviewComment(pullNumber: number, commentId: number, body: string): Promise<void> {
    await this.octokit.rest.pulls.createReplyForReviewComment({
      ...this.ref,
      pull_number: pullNumber,
      comment_id: commentId,
      body: this.redact(body),
    });
  }

  private redactOutput<T extends { title: string; summary: string; text?: string }>(output: T): T {
    return {
      ...output,
      title: this.redact(output.title).slice(0, 255),
      summary: this.redact(output.summary),
      ...(output.text !== undefined ? { text: this.redact(output.text) } : {}),
    };
  }
}
