/**
 * A pull request of the simulated GitHub as the demo shows it, in the terminal and on its web
 * pages: its text (title and body, as Nightshift wrote them), its branch, the diff a reviewer
 * reads, and the `nightshift` check run on its head commit.
 */
import type { CheckRunRecord, FakeGitHub } from '../../test/support/fake-github/index.js';
import { diff } from '../../test/support/fake-github/git.js';

export interface PullRequestView {
  number: number;
  title: string;
  body: string;
  author: string;
  draft: boolean;
  state: string;
  headRef: string;
  baseRef: string;
  headSha: string | undefined;
  assignees: string[];
  requestedReviewers: string[];
  htmlUrl: string;
  diff: string;
  checkRuns: CheckRunRecord[];
}

export async function readPullRequest(
  github: FakeGitHub,
  repo: string,
  number: number,
): Promise<PullRequestView | undefined> {
  const record = github.repo(repo);
  const pr = github.pullRequest(repo, number);
  const issue = github.issue(repo, number);
  if (!record || !pr || !issue) return undefined;
  const headSha = await github.branchSha(repo, pr.headRef);
  return {
    number,
    title: issue.title,
    body: issue.body ?? '',
    author: issue.user,
    draft: pr.draft,
    state: pr.merged ? 'merged' : issue.state,
    headRef: pr.headRef,
    baseRef: pr.baseRef,
    headSha,
    assignees: issue.assignees,
    requestedReviewers: pr.requestedReviewers,
    htmlUrl: `${record.htmlUrl}/pull/${number}`,
    diff: headSha ? await diff(record.gitDir, pr.baseRef, headSha).catch(() => '') : '',
    checkRuns: github.checkRuns(repo).filter((run) => run.headSha === headSha),
  };
}

/** The newest pull request Nightshift opened in `repo`. */
export function newestPullRequest(github: FakeGitHub, repo: string): number | undefined {
  return github
    .pullRequests(repo)
    .map((pr) => pr.number)
    .sort((a, b) => b - a)[0];
}
