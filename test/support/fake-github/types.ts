// Records kept by the fake GitHub. Timestamps are ISO strings without milliseconds, as GitHub sends.

export type Role = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
export type AccessLevel = 'read' | 'write' | 'admin';
export type Permissions = Record<string, AccessLevel>;

/** Anything naming a repository: `'owner/name'` or a record returned by `addRepo`. */
export type RepoRef = string | { fullName: string };

export interface AccountRecord {
  login: string;
  id: number;
  type: 'User' | 'Organization' | 'Bot';
}

export interface InstallationRecord {
  id: number;
  account: AccountRecord;
  permissions: Permissions;
  createdAt: string;
}

export interface TokenRecord {
  token: string;
  installationId: number;
  expiresAt: number;
  /** undefined: every repository of the installation. */
  repositoryIds?: number[];
  permissions: Permissions;
  createdAt: number;
}

export interface RepoRecord {
  id: number;
  owner: string;
  ownerType: 'User' | 'Organization';
  name: string;
  fullName: string;
  private: boolean;
  defaultBranch: string;
  installationId: number | undefined;
  fork: boolean;
  /** The repository this one is a fork of. */
  parent?: RepoRecord;
  gitDir: string;
  cloneUrl: string;
  htmlUrl: string;
  createdAt: string;
}

export interface LabelRecord {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface IssueRecord {
  id: number;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  assignees: string[];
  locked: boolean;
  isPullRequest: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface PullRequestRecord {
  id: number;
  repo: string;
  number: number;
  headRef: string;
  /** Full name of the repository the head branch lives in (differs for forks). */
  headRepo: string;
  baseRef: string;
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeable: boolean | null;
  mergeableState: string;
  requestedReviewers: string[];
  maintainerCanModify: boolean;
}

export interface CommentRecord {
  id: number;
  repo: string;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface ReviewCommentRecord {
  id: number;
  repo: string;
  pullNumber: number;
  reviewId: number | null;
  path: string;
  line: number | null;
  startLine: number | null;
  side: 'LEFT' | 'RIGHT';
  diffHunk: string;
  commitId: string;
  inReplyToId?: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
}

export interface ReviewRecord {
  id: number;
  repo: string;
  pullNumber: number;
  user: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  body: string;
  commitId: string;
  submittedAt: string;
}

export type ReactionSubject = 'issue' | 'issue_comment' | 'review_comment';

export interface ReactionRecord {
  id: number;
  repo: string;
  subject: ReactionSubject;
  /** Issue number for `issue`, comment id otherwise. */
  subjectId: number;
  content: string;
  user: string;
  createdAt: string;
}

export interface AppRef {
  id: number;
  slug: string;
  name?: string;
}

export interface AnnotationRecord {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: string;
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRunRecord {
  id: number;
  repo: string;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: AnnotationRecord[];
  actions: { label: string; description: string; identifier: string }[];
  externalId: string | null;
  detailsUrl: string | null;
  app: AppRef;
  checkSuiteId: number;
  createdAt: string;
}

export interface CheckSuiteRecord {
  id: number;
  repo: string;
  headSha: string;
  headBranch: string | null;
  app: AppRef;
  createdAt: string;
}

export interface JobRecord {
  id: number;
  repo: string;
  runId: number;
  name: string;
  log: string;
  status: string;
  conclusion: string | null;
  headSha: string;
}

export interface PushRecord {
  repo: string;
  ref: string;
  oldSha: string;
  newSha: string;
  forced: boolean;
  created: boolean;
  deleted: boolean;
  /** `git` for a receive-pack push, `api` for the git refs REST routes. */
  via: 'git' | 'api';
  at: string;
}

export interface CallRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  operationId: string | undefined;
  at: string;
  /** When the fake answered (epoch ms; a git call: when it began), for timelines. */
  doneAt: number;
}

export interface FailRule {
  method?: string;
  /** Matched against the request path, the description's path template, or the operationId. */
  path: string | RegExp;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  times?: number;
}

export function nowIso(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** One attempt at delivering a webhook to the App (`GET /app/hook/deliveries`). */
export interface HookDeliveryRecord {
  id: number;
  /** The delivery's `X-GitHub-Delivery`: the same for every attempt of one delivery. */
  guid: string;
  deliveredAt: string;
  statusCode: number;
  event: string;
  action: string | null;
  redelivery: boolean;
  installationId: number | null;
  payload: Record<string, unknown>;
}

/** Where the fake sends a redelivery; answers the HTTP status the App's endpoint gave. */
export type HookReceiver = (delivery: HookDeliveryRecord) => Promise<number>;
