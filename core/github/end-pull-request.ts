/**
 * The draft pull request of an issue task that ended without a result (core/pull-request-at-end.ts
 * decides): closed with its branch deleted when the branch still ends at the starting commit, or
 * told what happened when it holds earlier work. The branch is read first: work pushed after the
 * record was last written is never deleted.
 */
import {
  closedPullRequestBody,
  explainedPullRequestBody,
  finishedTitle,
  pullRequestAtEnd,
} from '../pull-request-at-end.js';
import type { Outcome } from '../report.js';
import type { Task } from '../task.js';
import type { RepositoryGateway } from './repository-gateway.js';

export async function endPullRequest(github: RepositoryGateway, task: Task, outcome: Outcome): Promise<void> {
  const decision = pullRequestAtEnd(task);
  const number = task.result?.pullRequestNumber;
  if (decision === 'keep' || number === undefined) return;
  const pull = await github.pullRequest(number);
  if (pull.state !== 'open') return;
  const title = finishedTitle(pull.title);
  const starting = task.result?.draftOpened?.startingCommitSha;
  if (decision === 'close' && task.branch && (await github.branchHead(task.branch)) === starting) {
    await github.closePullRequest(number, { title, body: closedPullRequestBody(task, outcome) });
    await github.deleteBranch(task.branch);
    return;
  }
  await github.updatePullRequest(number, { title, body: explainedPullRequestBody(task, outcome) });
}
