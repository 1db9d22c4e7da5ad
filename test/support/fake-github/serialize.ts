// GitHub-shaped JSON for the fake's records: the fields Octokit users read, with GitHub's names.
import { branchSha, type CommitInfo } from './git.js';
import { repoKey, type State } from './state.js';
import {
  nowIso,
  type AppRef,
  type CheckRunRecord,
  type CheckSuiteRecord,
  type CommentRecord,
  type InstallationRecord,
  type IssueRecord,
  type PullRequestRecord,
  type ReactionSubject,
  type RepoRecord,
  type ReviewCommentRecord,
  type ReviewRecord,
  type Role,
} from './types.js';

export interface World {
  readonly url: string;
  readonly webUrl: string;
  readonly appId: number;
  readonly appSlug: string;
  readonly appName: string;
  readonly state: State;
}

type Json = Record<string, unknown>;

export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64').replace(/=+$/, '');
}

export function account(w: World, login: string): Json {
  const a = w.state.account(login);
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId(a.type, a.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${a.id}?v=4`,
    gravatar_id: '',
    url: `${w.url}/users/${encodeURIComponent(a.login)}`,
    html_url: `${w.webUrl}/${a.type === 'Bot' ? 'apps/' + a.login.replace(/\[bot\]$/, '') : a.login}`,
    type: a.type,
    site_admin: false,
  };
}

export function appJson(w: World, app: AppRef = { id: w.appId, slug: w.appSlug, name: w.appName }): Json {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('App', app.id),
    name: app.name ?? app.slug,
    owner: account(w, 'nightshift-dev'),
    description: '',
    external_url: `${w.webUrl}/apps/${app.slug}`,
    html_url: `${w.webUrl}/apps/${app.slug}`,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    permissions:
      app.id === w.appId
        ? { metadata: 'read', contents: 'write', issues: 'write', pull_requests: 'write', checks: 'write' }
        : {},
    events: ['issues', 'issue_comment', 'pull_request', 'pull_request_review_comment', 'check_run'],
    installations_count: app.id === w.appId ? w.state.installations.size : 0,
  };
}

export function installation(w: World, inst: InstallationRecord): Json {
  return {
    id: inst.id,
    account: account(w, inst.account.login),
    repository_selection: 'selected',
    access_tokens_url: `${w.url}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${w.url}/installation/repositories`,
    html_url: `${w.webUrl}/settings/installations/${inst.id}`,
    app_id: w.appId,
    app_slug: w.appSlug,
    target_id: inst.account.id,
    target_type: inst.account.type,
    permissions: inst.permissions,
    events: ['issues', 'issue_comment', 'pull_request', 'check_run'],
    created_at: inst.createdAt,
    updated_at: inst.createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

const ROLE_PERMISSION: Record<Role, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export function collaboratorPermission(w: World, repo: RepoRecord, login: string): Json {
  const role = w.state.role(repo, login);
  const rank = ['none', 'read', 'triage', 'write', 'maintain', 'admin'].indexOf(role);
  return {
    permission: ROLE_PERMISSION[role],
    role_name: role === 'none' ? 'read' : role,
    user: {
      ...account(w, login),
      permissions: {
        pull: rank >= 1,
        triage: rank >= 2,
        push: rank >= 3,
        maintain: rank >= 4,
        admin: rank >= 5,
      },
      role_name: role,
    },
  };
}

export function repository(w: World, repo: RepoRecord): Json {
  const api = `${w.url}/repos/${repo.fullName}`;
  const json: Json = {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: account(w, repo.owner),
    html_url: repo.htmlUrl,
    description: null,
    fork: repo.fork,
    url: api,
    git_url: repo.cloneUrl,
    ssh_url: `git@github.com:${repo.fullName}.git`,
    clone_url: repo.cloneUrl,
    default_branch: repo.defaultBranch,
    visibility: repo.private ? 'private' : 'public',
    archived: false,
    disabled: false,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    pushed_at: repo.createdAt,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
  };
  if (repo.parent) {
    json.parent = repository(w, repo.parent);
    json.source = json.parent;
  }
  return json;
}

function reactionRollup(w: World, repo: string, subject: ReactionSubject, id: number, url: string): Json {
  const rollup: Json = { url: `${url}/reactions`, total_count: 0 };
  for (const c of ['+1', '-1', 'laugh', 'hooray', 'confused', 'heart', 'rocket', 'eyes']) rollup[c] = 0;
  for (const r of w.state.reactions) {
    if (r.repo !== repo || r.subject !== subject || r.subjectId !== id) continue;
    rollup[r.content] = Number(rollup[r.content] ?? 0) + 1;
    rollup.total_count = Number(rollup.total_count) + 1;
  }
  return rollup;
}

export function label(w: World, repo: RepoRecord, name: string): Json {
  const l = w.state.label(repoKey(repo), name);
  return {
    id: l.id,
    node_id: nodeId('Label', l.id),
    url: `${w.url}/repos/${repo.fullName}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    color: l.color,
    default: false,
    description: l.description,
  };
}

function association(w: World, repo: RepoRecord, login: string): string {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
  const role = w.state.role(repo, login);
  return role === 'admin' || role === 'maintain' || role === 'write' ? 'COLLABORATOR' : 'NONE';
}

export function issue(w: World, i: IssueRecord): Json {
  const repo = w.state.mustRepo(i.repo);
  const api = `${w.url}/repos/${repo.fullName}/issues/${i.number}`;
  const comments = [...w.state.comments.values()].filter(
    (c) => c.repo === i.repo && c.issueNumber === i.number,
  );
  const json: Json = {
    id: i.id,
    node_id: nodeId('Issue', i.id),
    url: api,
    repository_url: `${w.url}/repos/${repo.fullName}`,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    html_url: `${repo.htmlUrl}/${i.isPullRequest ? 'pull' : 'issues'}/${i.number}`,
    number: i.number,
    state: i.state,
    state_reason: i.stateReason,
    title: i.title,
    body: i.body,
    user: account(w, i.user),
    labels: i.labels.map((l) => label(w, repo, l)),
    assignee: i.assignees[0] ? account(w, i.assignees[0]) : null,
    assignees: i.assignees.map((a) => account(w, a)),
    milestone: null,
    locked: i.locked,
    active_lock_reason: null,
    comments: comments.length,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    author_association: association(w, repo, i.user),
    reactions: reactionRollup(w, i.repo, 'issue', i.number, api),
  };
  if (i.isPullRequest) {
    const pr = w.state.pullMap(i.repo).get(i.number);
    json.pull_request = {
      url: `${w.url}/repos/${repo.fullName}/pulls/${i.number}`,
      html_url: `${repo.htmlUrl}/pull/${i.number}`,
      diff_url: `${repo.htmlUrl}/pull/${i.number}.diff`,
      patch_url: `${repo.htmlUrl}/pull/${i.number}.patch`,
      merged_at: pr?.mergedAt ?? null,
    };
    json.draft = pr?.draft ?? false;
  }
  return json;
}

export function comment(w: World, c: CommentRecord): Json {
  const repo = w.state.mustRepo(c.repo);
  const api = `${w.url}/repos/${repo.fullName}/issues/comments/${c.id}`;
  const isPull = w.state.issueMap(c.repo).get(c.issueNumber)?.isPullRequest ?? false;
  return {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: api,
    html_url: `${repo.htmlUrl}/${isPull ? 'pull' : 'issues'}/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${w.url}/repos/${repo.fullName}/issues/${c.issueNumber}`,
    body: c.body,
    user: account(w, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: association(w, repo, c.user),
    reactions: reactionRollup(w, c.repo, 'issue_comment', c.id, api),
  };
}

function branchJson(w: World, repo: RepoRecord, ref: string, sha: string): Json {
  return {
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: account(w, repo.owner),
    repo: repository(w, repo),
  };
}

export async function pullRequest(w: World, pr: PullRequestRecord): Promise<Json> {
  const i = w.state.issueMap(pr.repo).get(pr.number);
  if (!i) throw new Error(`pull request ${pr.repo}#${pr.number} has no issue`);
  const repo = w.state.mustRepo(pr.repo);
  const headRepo = w.state.mustRepo(pr.headRepo);
  const headSha = (await branchSha(headRepo.gitDir, pr.headRef)) ?? '';
  const baseSha = (await branchSha(repo.gitDir, pr.baseRef)) ?? '';
  const api = `${w.url}/repos/${repo.fullName}/pulls/${pr.number}`;
  const base = issue(w, i);
  const reviewComments = [...w.state.reviewComments.values()].filter(
    (c) => c.repo === pr.repo && c.pullNumber === pr.number,
  );
  return {
    url: api,
    id: pr.id,
    node_id: nodeId('PullRequest', pr.id),
    html_url: `${repo.htmlUrl}/pull/${pr.number}`,
    diff_url: `${repo.htmlUrl}/pull/${pr.number}.diff`,
    patch_url: `${repo.htmlUrl}/pull/${pr.number}.patch`,
    issue_url: `${w.url}/repos/${repo.fullName}/issues/${pr.number}`,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    comments_url: `${w.url}/repos/${repo.fullName}/issues/${pr.number}/comments`,
    statuses_url: `${w.url}/repos/${repo.fullName}/statuses/${headSha}`,
    number: pr.number,
    state: i.state,
    locked: i.locked,
    title: i.title,
    body: i.body,
    user: base.user,
    labels: base.labels,
    milestone: null,
    active_lock_reason: null,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: null,
    assignee: base.assignee,
    assignees: base.assignees,
    requested_reviewers: pr.requestedReviewers.map((r) => account(w, r)),
    requested_teams: [],
    head: branchJson(w, headRepo, pr.headRef, headSha),
    base: branchJson(w, repo, pr.baseRef, baseSha),
    author_association: base.author_association,
    auto_merge: null,
    draft: pr.draft,
    merged: pr.merged,
    mergeable: pr.mergeable,
    rebaseable: pr.mergeable,
    mergeable_state: pr.mergeableState,
    merged_by: null,
    comments: base.comments,
    review_comments: reviewComments.length,
    maintainer_can_modify: pr.maintainerCanModify,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

export function reviewComment(w: World, c: ReviewCommentRecord): Json {
  const repo = w.state.mustRepo(c.repo);
  const api = `${w.url}/repos/${repo.fullName}/pulls/comments/${c.id}`;
  return {
    url: api,
    pull_request_review_id: c.reviewId,
    id: c.id,
    node_id: nodeId('PullRequestReviewComment', c.id),
    diff_hunk: c.diffHunk,
    path: c.path,
    position: c.line,
    original_position: c.line,
    commit_id: c.commitId,
    original_commit_id: c.commitId,
    ...(c.inReplyToId !== undefined ? { in_reply_to_id: c.inReplyToId } : {}),
    user: account(w, c.user),
    body: c.body,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    html_url: `${repo.htmlUrl}/pull/${c.pullNumber}#discussion_r${c.id}`,
    pull_request_url: `${w.url}/repos/${repo.fullName}/pulls/${c.pullNumber}`,
    author_association: association(w, repo, c.user),
    _links: {
      self: { href: api },
      html: { href: `${repo.htmlUrl}/pull/${c.pullNumber}#discussion_r${c.id}` },
      pull_request: { href: `${w.url}/repos/${repo.fullName}/pulls/${c.pullNumber}` },
    },
    start_line: c.startLine,
    original_start_line: c.startLine,
    start_side: c.startLine === null ? null : c.side,
    line: c.line,
    original_line: c.line,
    side: c.side,
    subject_type: c.line === null ? 'file' : 'line',
    reactions: reactionRollup(w, c.repo, 'review_comment', c.id, api),
  };
}

export function review(w: World, r: ReviewRecord): Json {
  const repo = w.state.mustRepo(r.repo);
  return {
    id: r.id,
    node_id: nodeId('PullRequestReview', r.id),
    user: account(w, r.user),
    body: r.body,
    state: r.state,
    html_url: `${repo.htmlUrl}/pull/${r.pullNumber}#pullrequestreview-${r.id}`,
    pull_request_url: `${w.url}/repos/${repo.fullName}/pulls/${r.pullNumber}`,
    submitted_at: r.state === 'PENDING' ? undefined : r.submittedAt,
    commit_id: r.commitId,
    author_association: association(w, repo, r.user),
  };
}

export function reaction(
  w: World,
  r: { id: number; content: string; user: string; createdAt: string },
): Json {
  return {
    id: r.id,
    node_id: nodeId('Reaction', r.id),
    user: account(w, r.user),
    content: r.content,
    created_at: r.createdAt,
  };
}

export async function checkRun(w: World, run: CheckRunRecord): Promise<Json> {
  const repo = w.state.mustRepo(run.repo);
  const api = `${w.url}/repos/${repo.fullName}/check-runs/${run.id}`;
  return {
    id: run.id,
    node_id: nodeId('CheckRun', run.id),
    head_sha: run.headSha,
    external_id: run.externalId ?? '',
    url: api,
    html_url: `${repo.htmlUrl}/runs/${run.id}`,
    details_url: run.detailsUrl ?? `${repo.htmlUrl}/runs/${run.id}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${api}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.checkSuiteId },
    app: appJson(w, run.app),
    pull_requests: await pullsForSha(w, repo, run.headSha),
    actions: run.actions,
  };
}

/** Open same-repository pull requests whose head is `sha`, in the check-run/suite shape. */
async function pullsForSha(w: World, repo: RepoRecord, sha: string): Promise<Json[]> {
  const out: Json[] = [];
  for (const pr of w.state.pullMap(repoKey(repo)).values()) {
    if (pr.headRepo !== repoKey(repo) || w.state.issueMap(pr.repo).get(pr.number)?.state !== 'open') continue;
    const head = await branchSha(repo.gitDir, pr.headRef);
    if (head !== sha) continue;
    const base = (await branchSha(repo.gitDir, pr.baseRef)) ?? '';
    const small = { id: repo.id, url: `${w.url}/repos/${repo.fullName}`, name: repo.name };
    out.push({
      url: `${w.url}/repos/${repo.fullName}/pulls/${pr.number}`,
      id: pr.id,
      number: pr.number,
      head: { ref: pr.headRef, sha: head, repo: small },
      base: { ref: pr.baseRef, sha: base, repo: small },
    });
  }
  return out;
}

export async function checkSuite(w: World, suite: CheckSuiteRecord): Promise<Json> {
  const repo = w.state.mustRepo(suite.repo);
  const runs = [...w.state.checkRuns.values()].filter((r) => r.checkSuiteId === suite.id);
  const done = runs.length > 0 && runs.every((r) => r.status === 'completed');
  const order = [
    'action_required',
    'cancelled',
    'timed_out',
    'failure',
    'neutral',
    'skipped',
    'stale',
    'success',
  ];
  const conclusion = done
    ? ([...runs].sort((a, b) => order.indexOf(a.conclusion ?? '') - order.indexOf(b.conclusion ?? ''))[0]
        ?.conclusion ?? null)
    : null;
  return {
    id: suite.id,
    node_id: nodeId('CheckSuite', suite.id),
    head_branch: suite.headBranch,
    head_sha: suite.headSha,
    status: runs.length === 0 ? 'queued' : done ? 'completed' : 'in_progress',
    conclusion,
    url: `${w.url}/repos/${repo.fullName}/check-suites/${suite.id}`,
    before: null,
    after: suite.headSha,
    pull_requests: await pullsForSha(w, repo, suite.headSha),
    app: appJson(w, suite.app),
    repository: repository(w, repo),
    created_at: suite.createdAt,
    updated_at: nowIso(),
    latest_check_runs_count: runs.length,
    check_runs_url: `${w.url}/repos/${repo.fullName}/check-suites/${suite.id}/check-runs`,
    rerequestable: true,
    runs_rerequestable: true,
  };
}

export function commit(w: World, repo: RepoRecord, c: CommitInfo): Json {
  const api = `${w.url}/repos/${repo.fullName}/commits/${c.sha}`;
  return {
    sha: c.sha,
    node_id: nodeId('Commit', parseInt(c.sha.slice(0, 8), 16)),
    url: api,
    html_url: `${repo.htmlUrl}/commit/${c.sha}`,
    comments_url: `${api}/comments`,
    commit: {
      url: `${w.url}/repos/${repo.fullName}/git/commits/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: `${w.url}/repos/${repo.fullName}/git/trees/${c.tree}` },
      comment_count: 0,
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    author: null,
    committer: null,
    parents: c.parents.map((sha) => ({
      sha,
      url: `${w.url}/repos/${repo.fullName}/commits/${sha}`,
      html_url: `${repo.htmlUrl}/commit/${sha}`,
    })),
  };
}
