/**
 * One repository on GitHub, as Nightshift's orchestration needs it: a narrow gateway, so that
 * dispatch, the agent task and the end of a task never call Octokit themselves. It reads (a
 * person's permission, the repository, an issue, a pull request, a branch's head, review comments,
 * other apps' check runs and logs) and writes (pull requests, assignees and reviewers, check runs,
 * comments, reactions, replies). Which check run or comment shows a task is TaskSurface's choice.
 *
 * Everything leaving here passes through redaction first. Comments carry a marker and check runs
 * the task id as `external_id`, so a create retried after a 5xx (which GitHub may have carried
 * out) finds the one it already made instead of adding a second.
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
import { createOnce } from './create-once.js';

export type Octokit = ProbotOctokit;

/** Octokit's own retry of a 5xx would repeat a create that may have happened: `createOnce` decides. */
const NO_HTTP_RETRIES = { retries: 0 };

type Rest = Octokit['rest'];
type Data<F extends (...args: never[]) => Promise<{ data: unknown }>> = Awaited<ReturnType<F>>['data'];
export type RepositoryInfo = Data<Rest['repos']['get']>;
export type IssueInfo = Data<Rest['issues']['get']>;
export type PullRequestInfo = Data<Rest['pulls']['get']>;
export type PullRequestRef = { number: number; html_url: string };
export type ReviewCommentInfo = Data<Rest['pulls']['listReviewComments']>[number];
export type CheckRunInfo = Data<Rest['checks']['listForRef']>['check_runs'][number];
export type AnnotationInfo = Data<Rest['checks']['listAnnotations']>[number];

export type RepoRef = {
  owner: string;
  repo: string;
};

export function repoRef(repository: string): RepoRef {
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) throw new Error(`not an owner/name repository: ${repository}`);
  return { owner, repo };
}

export class RepositoryGateway {
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

  // ── reads ───────────────────────────────────────────────────────────────────────────────────

  /** A person's role here (GitHub's collaborator permission): what the permission gate reads. */
  async permissionOf(login: string): Promise<{ permission: string; role_name?: string }> {
    const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
      ...this.ref,
      username: login,
    });
    return { permission: data.permission, ...(data.role_name ? { role_name: data.role_name } : {}) };
  }

  async repository(): Promise<RepositoryInfo> {
    return (await this.octokit.rest.repos.get(this.ref)).data;
  }

  async issue(number: number): Promise<IssueInfo> {
    return (await this.octokit.rest.issues.get({ ...this.ref, issue_number: number })).data;
  }

  async pullRequest(number: number): Promise<PullRequestInfo> {
    return (await this.octokit.rest.pulls.get({ ...this.ref, pull_number: number })).data;
  }

  /** The branch's head on GitHub, or undefined when there is no such branch. */
  async branchHead(branch: string): Promise<string | undefined> {
    try {
      return (await this.octokit.rest.git.getRef({ ...this.ref, ref: `heads/${branch}` })).data.object.sha;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }

  async reviewComments(pullNumber: number): Promise<ReviewCommentInfo[]> {
    return this.octokit.paginate(this.octokit.rest.pulls.listReviewComments, {
      ...this.ref,
      pull_number: pullNumber,
      per_page: 100,
    });
  }

  /** Every app's check runs on `sha` (CI's failures are read from here). */
  async checkRunsOn(sha: string): Promise<CheckRunInfo[]> {
    return this.octokit.paginate(this.octokit.rest.checks.listForRef, {
      ...this.ref,
      ref: sha,
      per_page: 100,
    });
  }

  async annotations(checkRunId: number): Promise<AnnotationInfo[]> {
    const { data } = await this.octokit.rest.checks.listAnnotations({
      ...this.ref,
      check_run_id: checkRunId,
      per_page: 50,
    });
    return data;
  }

  /** A GitHub Actions job's log, or undefined when GitHub will not give it. */
  async jobLog(jobId: number): Promise<string | undefined> {
    try {
      const { data } = await this.octokit.rest.actions.downloadJobLogsForWorkflowRun({
        ...this.ref,
        job_id: jobId,
      });
      return String(data);
    } catch {
      return undefined;
    }
  }

  // ── pull requests ───────────────────────────────────────────────────────────────────────────

  /** The open pull request whose head is `branch` in this repository, if any. */
  async openPullRequestFrom(branch: string): Promise<PullRequestRef | undefined> {
    const { data } = await this.octokit.rest.pulls.list({
      ...this.ref,
      head: `${this.ref.owner}:${branch}`,
      state: 'open',
    });
    return data[0];
  }

  async openPullRequest(pull: {
    head: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
  }): Promise<PullRequestRef> {
    const { data } = await this.octokit.rest.pulls.create({
      ...this.ref,
      ...pull,
      title: this.redact(pull.title),
      body: this.redact(pull.body),
    });
    return data;
  }

  async updatePullRequest(number: number, text: { title: string; body: string }): Promise<PullRequestRef> {
    const { data } = await this.octokit.rest.pulls.update({
      ...this.ref,
      pull_number: number,
      title: this.redact(text.title),
      body: this.redact(text.body),
    });
    return data;
  }

  async closePullRequest(number: number, text: { title: string; body: string }): Promise<void> {
    await this.octokit.rest.pulls.update({
      ...this.ref,
      pull_number: number,
      state: 'closed',
      title: this.redact(text.title),
      body: this.redact(text.body),
    });
  }

  /** Delete a branch of Nightshift's own; one already gone is not an error. */
  async deleteBranch(branch: string): Promise<void> {
    await this.octokit.rest.git
      .deleteRef({ ...this.ref, ref: `heads/${branch}` })
      .catch((error: { status?: number }) => {
        if (error.status !== 404 && error.status !== 422) throw error;
      });
  }

  async assign(issueNumber: number, logins: string[]): Promise<void> {
    await this.octokit.rest.issues.addAssignees({
      ...this.ref,
      issue_number: issueNumber,
      assignees: logins,
    });
  }

  async requestReview(pullNumber: number, logins: string[]): Promise<void> {
    await this.octokit.rest.pulls.requestReviewers({
      ...this.ref,
      pull_number: pullNumber,
      reviewers: logins,
    });
  }

  // ── check runs, comments, reactions, replies ────────────────────────────────────────────────

  /**
   * A new `nightshift` check run on `headSha`, tied to the task by its external id: queued or in
   * progress, or (`completed`, with the final report) already concluded.
   */
  async createCheckRun(
    task: Task,
    headSha: string,
    status: 'queued' | 'in_progress',
    output: { title: string; summary: string },
  ): Promise<number>;
  async createCheckRun(
    task: Task,
    headSha: string,
    status: 'completed',
    report: FinalReport,
  ): Promise<number>;
  async createCheckRun(
    task: Task,
    headSha: string,
    status: 'queued' | 'in_progress' | 'completed',
    output: { title: string; summary: string } | FinalReport,
  ): Promise<number> {
    const detailsUrl = this.detailsUrl?.(task);
    const now = new Date().toISOString();
    const state =
      status === 'completed' && 'conclusion' in output
        ? {
            status,
            conclusion: output.conclusion,
            started_at: now,
            completed_at: now,
            output: this.finalOutput(output),
            actions: finalActions(output),
          }
        : {
            status,
            ...(status === 'in_progress' ? { started_at: now } : {}),
            output: this.redactOutput(output),
            actions: [CANCEL_ACTION],
          };
    return createOnce(
      async () => {
        const { data } = await this.octokit.rest.checks.create({
          ...this.ref,
          name: CHECK_RUN_NAME,
          head_sha: headSha,
          external_id: task.id,
          ...(detailsUrl ? { details_url: detailsUrl } : {}),
          ...state,
          request: NO_HTTP_RETRIES,
        });
        return data.id;
      },
      () => this.findCheckRun(headSha, task.id),
    );
  }

  /** This task's check run on `headSha`, found by its external id. */
  async findCheckRun(headSha: string, taskId: string): Promise<number | undefined> {
    const runs = await this.octokit.paginate(this.octokit.rest.checks.listForRef, {
      ...this.ref,
      ref: headSha,
      check_name: CHECK_RUN_NAME,
      filter: 'all',
      per_page: 100,
    });
    return runs.find((run) => run.external_id === taskId)?.id;
  }

  async updateCheckRun(
    checkRunId: number,
    status: 'queued' | 'in_progress',
    output: { title: string; summary: string; text?: string },
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
    await this.octokit.rest.checks.update({
      ...this.ref,
      check_run_id: checkRunId,
      status: 'completed',
      conclusion: report.conclusion,
      completed_at: new Date().toISOString(),
      output: this.finalOutput(report),
      actions: finalActions(report),
    });
  }

  /** Create or update the one comment of `kind` for this task on an issue or PR conversation. */
  async upsertComment(
    issueNumber: number,
    task: Pick<Task, 'id'>,
    kind: string,
    body: string,
    commentId?: number,
  ): Promise<number> {
    const marked = body.includes(commentMarker(task.id, kind))
      ? body
      : `${commentMarker(task.id, kind)}\n${body}`;
    const text = this.redact(marked);
    const marker = commentMarker(task.id, kind);
    const existing = commentId ?? (await this.findComment(issueNumber, marker));
    if (existing) {
      await this.octokit.rest.issues.updateComment({ ...this.ref, comment_id: existing, body: text });
      return existing;
    }
    return createOnce(
      async () => {
        const { data } = await this.octokit.rest.issues.createComment({
          ...this.ref,
          issue_number: issueNumber,
          body: text,
          request: NO_HTTP_RETRIES,
        });
        return data.id;
      },
      () => this.findComment(issueNumber, marker),
    );
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
    content: 'eyes' | '+1' | 'rocket',
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

  private finalOutput(report: FinalReport): { title: string; summary: string; text?: string } {
    return this.redactOutput({
      title: report.title,
      summary: report.summary,
      ...(report.text ? { text: report.text } : {}),
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

/** A concluded check run's buttons: Retry only where GitHub delivers the click (core/pull-request-at-end.ts). */
function finalActions(report: FinalReport): CheckRunAction[] {
  return report.retryButton ? [RETRY_ACTION] : [];
}
