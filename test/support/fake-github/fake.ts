// The FakeGitHub instance: its server, keys, temp dirs, recorded calls and pushes, and the
// seeding / inspection API tests use. REST behaviour lives in routes/, git in git*.ts.
import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publicKeyOf, verifyJwt, newToken, type Credentials } from './auth.js';
import * as g from './git.js';
import type { Reply } from './http.js';
import { FakeOAuth } from './oauth.js';
import { loadOpenApi, type Operation } from './openapi.js';
import { createCheckRun } from './routes/checks.js';
import { createPullRequest, type PullRequestInput } from './routes/pulls.js';
import { createRequestListener } from './server.js';
import type { World } from './serialize.js';
import { repoKey, State } from './state.js';
import {
  nowIso,
  type AccountRecord,
  type AnnotationRecord,
  type AppRef,
  type CallRecord,
  type CheckRunRecord,
  type CommentRecord,
  type FailRule,
  type InstallationRecord,
  type IssueRecord,
  type HookDeliveryRecord,
  type HookReceiver,
  type JobRecord,
  type Permissions,
  type PullRequestRecord,
  type PushRecord,
  type ReactionRecord,
  type RepoRecord,
  type RepoRef,
  type ReviewCommentRecord,
  type ReviewRecord,
  type Role,
  type TokenRecord,
} from './types.js';

export interface StartOptions {
  appId?: number;
  appSlug?: string;
  appName?: string;
  /** Base of `html_url`s (never fetched). */
  webUrl?: string;
}

export const DEFAULT_INSTALLATION_PERMISSIONS: Permissions = {
  metadata: 'read',
  contents: 'write',
  issues: 'write',
  pull_requests: 'write',
  checks: 'write',
  actions: 'read',
  statuses: 'write',
};

export interface AddRepoOptions {
  owner: string;
  name: string;
  defaultBranch?: string;
  files?: Record<string, string>;
  private?: boolean;
  /** Defaults to the installation on the owner's account, created when missing. */
  installationId?: number;
  ownerType?: 'User' | 'Organization';
}

export class FakeGitHub implements World {
  url = '';
  readonly webUrl: string;
  readonly appId: number;
  readonly appSlug: string;
  readonly appName: string;
  /** PKCS#1 PEM, as GitHub hands out (`PRIVATE_KEY`). */
  readonly privateKey: string;
  /** Lifetime of installation tokens minted from now on. */
  tokenTtlMs = 60 * 60 * 1000;
  readonly state = new State();
  /** The App manifest flow's codes, each converting once into this fake's own App. */
  readonly manifestCodes = new Map<string, { webhookSecret: string }>();
  readonly calls: CallRecord[] = [];
  readonly pushes: PushRecord[] = [];
  private readonly publicKey: KeyObject;
  private readonly failures: (FailRule & { remaining: number })[] = [];
  private readonly locks = new Map<string, Promise<unknown>>();
  private server: Server | undefined;
  /** Where `POST /app/hook/deliveries/{id}/attempts` delivers again; unset: nobody answers. */
  hookReceiver: HookReceiver | undefined;
  /** The App's user authorization (oauth.ts): its client id and secret, user tokens. */
  readonly oauth = new FakeOAuth(this);

  constructor(
    readonly root: string,
    privateKey: string,
    options: StartOptions,
  ) {
    this.privateKey = privateKey;
    this.publicKey = publicKeyOf(privateKey);
    this.appId = options.appId ?? 424242;
    this.appSlug = options.appSlug ?? 'nightshift';
    this.appName = options.appName ?? 'Nightshift';
    this.webUrl = options.webUrl ?? 'https://github.com';
  }

  /** The app's bot account, the author of everything done with an installation token. */
  get botLogin(): string {
    return `${this.appSlug}[bot]`;
  }

  get ownApp(): AppRef {
    return { id: this.appId, slug: this.appSlug, name: this.appName };
  }

  /** A code as GitHub puts in the setup flow's redirect: it converts into this App, with `webhookSecret`. */
  manifestCode(webhookSecret: string): string {
    const code = randomBytes(10).toString('hex');
    this.manifestCodes.set(code, { webhookSecret });
    return code;
  }

  async listen(): Promise<void> {
    const server = createServer(createRequestListener(this));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await rm(this.root, { recursive: true, force: true });
    openRoots.delete(this.root);
  }

  /** An attempt at delivering a webhook to the App, as `GET /app/hook/deliveries` lists it. */
  addHookDelivery(input: {
    guid: string;
    event: string;
    payload: Record<string, unknown>;
    statusCode: number;
    redelivery?: boolean;
    deliveredAt?: string;
  }): HookDeliveryRecord {
    const installation = (input.payload.installation as { id?: number } | undefined)?.id;
    const record: HookDeliveryRecord = {
      id: this.state.nextId(),
      guid: input.guid,
      deliveredAt: input.deliveredAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      statusCode: input.statusCode,
      event: input.event,
      action: typeof input.payload.action === 'string' ? input.payload.action : null,
      redelivery: input.redelivery ?? false,
      installationId: installation ?? null,
      payload: input.payload,
    };
    this.state.hookDeliveries.push(record);
    return record;
  }

  // ---- calls, failures, auth -------------------------------------------------------------

  callsTo(operationId: string): CallRecord[] {
    return this.calls.filter((c) => c.operationId === operationId);
  }

  /** The next `times` (default 1) requests matching `rule` answer `status` instead. */
  failNext(rule: FailRule): void {
    this.failures.push({ ...rule, remaining: rule.times ?? 1 });
  }

  takeFailure(method: string, path: string, op: Operation | undefined): Reply | undefined {
    const index = this.failures.findIndex((f) => {
      if (f.method && f.method.toUpperCase() !== method) return false;
      if (f.path instanceof RegExp) return f.path.test(path);
      return f.path === path || f.path === op?.template || f.path === op?.operationId;
    });
    const rule = this.failures[index];
    if (!rule) return undefined;
    if (--rule.remaining <= 0) this.failures.splice(index, 1);
    const limited = rule.status === 403 || rule.status === 429;
    const message = limited
      ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
      : rule.status >= 500
        ? 'Server Error'
        : 'Scripted failure';
    return {
      status: rule.status,
      body: rule.body ?? {
        message,
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        status: String(rule.status),
      },
      headers: { ...(limited ? { 'retry-after': '1' } : {}), ...rule.headers },
    };
  }

  verifyJwt(jwt: string): Credentials {
    return verifyJwt(jwt, this.publicKey, this.appId);
  }

  lookupToken(value: string): TokenRecord | undefined {
    const token = this.state.tokens.get(value);
    return token && token.expiresAt > Date.now() ? token : undefined;
  }

  createInstallationToken(
    installationId: number,
    options: { repositoryIds?: number[] | undefined; permissions?: Permissions } = {},
  ): TokenRecord {
    const inst = this.state.installations.get(installationId);
    if (!inst) throw new Error(`fake GitHub: no installation ${installationId}`);
    const token: TokenRecord = {
      token: newToken(),
      installationId,
      expiresAt: Date.now() + this.tokenTtlMs,
      permissions: options.permissions ?? { ...inst.permissions },
      createdAt: Date.now(),
      ...(options.repositoryIds ? { repositoryIds: options.repositoryIds } : {}),
    };
    this.state.tokens.set(token.token, token);
    return token;
  }

  /** Test shortcut: a live installation token for the repository's installation. */
  tokenFor(repo: RepoRef, options: { permissions?: Permissions; onlyThisRepo?: boolean } = {}): string {
    const r = this.state.mustRepo(repo);
    if (r.installationId === undefined) throw new Error(`fake GitHub: ${r.fullName} has no installation`);
    return this.createInstallationToken(r.installationId, {
      ...(options.permissions ? { permissions: options.permissions } : {}),
      ...(options.onlyThisRepo ? { repositoryIds: [r.id] } : {}),
    }).token;
  }

  /** `http.extraHeader` value for git: `Authorization: Basic b64(x-access-token:TOKEN)`. */
  gitAuthHeader(token: string): string {
    return `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  }

  // ---- git locking and push records -----------------------------------------------------

  /** Serialises ref-changing work on one repository (pushes, seeding, ref routes). */
  withRepoLock<T>(repo: RepoRecord, fn: () => Promise<T>): Promise<T> {
    const key = repoKey(repo);
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  async refSnapshot(repo: RepoRecord): Promise<Map<string, string>> {
    return g.refs(repo.gitDir);
  }

  async recordPushes(
    repo: RepoRecord,
    before: Map<string, string>,
    after: Map<string, string>,
  ): Promise<void> {
    const names = new Set([...before.keys(), ...after.keys()]);
    for (const ref of [...names].sort()) {
      if (ref.startsWith('refs/pull/')) continue;
      const oldSha = before.get(ref) ?? g.ZERO_SHA;
      const newSha = after.get(ref) ?? g.ZERO_SHA;
      if (oldSha === newSha) continue;
      const forced =
        oldSha !== g.ZERO_SHA && newSha !== g.ZERO_SHA && !(await g.isAncestor(repo.gitDir, oldSha, newSha));
      this.recordPush(repo, ref, oldSha, newSha, forced, 'git');
    }
  }

  recordPush(
    repo: RepoRecord,
    ref: string,
    oldSha: string,
    newSha: string,
    forced: boolean,
    via: 'git' | 'api',
  ): void {
    this.pushes.push({
      repo: repo.fullName,
      ref,
      oldSha,
      newSha,
      forced,
      created: oldSha === g.ZERO_SHA,
      deleted: newSha === g.ZERO_SHA,
      via,
      at: nowIso(),
    });
  }

  /** Points `refs/pull/N/head` at each pull request's live head, as GitHub keeps it. */
  async syncPullRefs(repo: RepoRecord): Promise<void> {
    const pulls = [...this.state.pullMap(repoKey(repo)).values()];
    if (pulls.length === 0) return;
    await this.withRepoLock(repo, async () => {
      const current = await g.refs(repo.gitDir);
      for (const pr of pulls) {
        const head = await g.branchSha(this.state.mustRepo(pr.headRepo).gitDir, pr.headRef);
        const ref = `refs/pull/${pr.number}/head`;
        if (head && current.get(ref) !== head) await g.updateRef(repo.gitDir, ref, head);
      }
    });
  }

  /** Lets `repo` see the objects of `other` (a fork), via git alternates. */
  async shareObjects(repo: RepoRecord, other: RepoRecord): Promise<void> {
    const file = join(repo.gitDir, 'objects', 'info', 'alternates');
    await mkdir(join(repo.gitDir, 'objects', 'info'), { recursive: true });
    await writeFile(file, `${join(other.gitDir, 'objects')}\n`, { flag: 'a' });
  }

  // ---- seeding ------------------------------------------------------------------------------

  addInstallation(
    id: number,
    options: { account: string | { login: string; type?: AccountRecord['type'] }; permissions?: Permissions },
  ): InstallationRecord {
    const acc = typeof options.account === 'string' ? { login: options.account } : options.account;
    const inst: InstallationRecord = {
      id,
      account: this.state.account(acc.login, acc.type),
      permissions: { metadata: 'read', ...(options.permissions ?? DEFAULT_INSTALLATION_PERMISSIONS) },
      createdAt: nowIso(),
    };
    this.state.installations.set(id, inst);
    return inst;
  }

  async addRepo(options: AddRepoOptions): Promise<RepoRecord> {
    const fullName = `${options.owner}/${options.name}`;
    if (this.state.repo(fullName)) throw new Error(`fake GitHub: ${fullName} exists`);
    let installationId = options.installationId;
    if (installationId === undefined) {
      const existing = [...this.state.installations.values()].find(
        (i) => i.account.login.toLowerCase() === options.owner.toLowerCase(),
      );
      installationId =
        existing?.id ?? this.addInstallation(this.state.nextId(), { account: options.owner }).id;
    } else if (!this.state.installations.has(installationId)) {
      this.addInstallation(installationId, { account: options.owner });
    }
    const repo = this.newRepoRecord(options, installationId);
    await g.initBare(repo.gitDir, repo.defaultBranch);
    const files = options.files ?? { 'README.md': `# ${options.name}\n` };
    await g.commitFiles(repo.gitDir, repo.defaultBranch, files, 'Initial commit');
    this.state.repos.set(repoKey(repo), repo);
    return repo;
  }

  private newRepoRecord(
    options: AddRepoOptions & { fork?: boolean; parent?: RepoRecord },
    installationId: number | undefined,
  ): RepoRecord {
    const fullName = `${options.owner}/${options.name}`;
    const owner = this.state.account(options.owner, options.ownerType);
    return {
      id: this.state.nextId(),
      owner: options.owner,
      ownerType: owner.type === 'Organization' ? 'Organization' : 'User',
      name: options.name,
      fullName,
      private: options.private ?? false,
      defaultBranch: options.defaultBranch ?? 'main',
      installationId,
      fork: options.fork ?? false,
      ...(options.parent ? { parent: options.parent } : {}),
      gitDir: join(this.root, 'repos', options.owner.toLowerCase(), `${options.name.toLowerCase()}.git`),
      cloneUrl: `${this.url}/git/${fullName}.git`,
      htmlUrl: `${this.webUrl}/${fullName}`,
      createdAt: nowIso(),
    };
  }

  /** A fork of `repo` owned by `owner` (not in any installation), sharing its history. */
  async addFork(repo: RepoRef, options: { owner: string; name?: string }): Promise<RepoRecord> {
    const parent = this.state.mustRepo(repo);
    const fork = this.newRepoRecord(
      {
        owner: options.owner,
        name: options.name ?? parent.name,
        defaultBranch: parent.defaultBranch,
        fork: true,
        parent,
      },
      undefined,
    );
    await g.initBare(fork.gitDir, fork.defaultBranch);
    await this.shareObjects(fork, parent);
    for (const [ref, sha] of await g.refs(parent.gitDir)) {
      if (ref.startsWith('refs/heads/')) await g.updateRef(fork.gitDir, ref, sha);
    }
    this.state.repos.set(repoKey(fork), fork);
    return fork;
  }

  /**
   * Commits `files` (path → content, `{ symlink }` for a link, null deletes) on `branch`, on top
   * of `parent` (a sha or ref), else the branch tip, else the default branch; returns the new sha.
   */
  async commitFiles(
    repo: RepoRef,
    branch: string,
    files: Record<string, g.FileContent>,
    message = 'Update files',
    options: { parent?: string | null; author?: { name: string; email: string } } = {},
  ): Promise<string> {
    const r = this.state.mustRepo(repo);
    return this.withRepoLock(r, async () => {
      let parent = options.parent;
      // A new branch starts from the default branch (pass `parent: null` for an orphan).
      if (parent === undefined && !(await g.branchSha(r.gitDir, branch))) {
        parent = (await g.branchSha(r.gitDir, r.defaultBranch)) ?? null;
      }
      return g.commitFiles(r.gitDir, branch, files, message, { ...options, parent });
    });
  }

  setPermission(repo: RepoRef, login: string, role: Role): void {
    this.state.setRole(this.state.mustRepo(repo), login, role);
  }

  addIssue(
    repo: RepoRef,
    input: {
      title: string;
      body?: string | null;
      user?: string;
      labels?: string[];
      assignees?: string[];
      state?: 'open' | 'closed';
    },
  ): IssueRecord {
    const key = repoKey(this.state.mustRepo(repo));
    const now = nowIso();
    const issue: IssueRecord = {
      id: this.state.nextId(),
      repo: key,
      number: this.state.nextNumber(key),
      title: input.title,
      body: input.body ?? null,
      user: this.state.account(input.user ?? 'octocat').login,
      state: input.state ?? 'open',
      stateReason: input.state === 'closed' ? 'completed' : null,
      labels: (input.labels ?? []).map((l) => this.state.label(key, l).name),
      assignees: input.assignees ?? [],
      locked: false,
      isPullRequest: false,
      createdAt: now,
      updatedAt: now,
      closedAt: input.state === 'closed' ? now : null,
    };
    this.state.issueMap(key).set(issue.number, issue);
    return issue;
  }

  addComment(repo: RepoRef, number: number, input: { body: string; user?: string }): CommentRecord {
    const key = repoKey(this.state.mustRepo(repo));
    if (!this.state.issueMap(key).has(number)) throw new Error(`fake GitHub: no issue ${key}#${number}`);
    const now = nowIso();
    const c: CommentRecord = {
      id: this.state.nextId(),
      repo: key,
      issueNumber: number,
      body: input.body,
      user: this.state.account(input.user ?? 'octocat').login,
      createdAt: now,
      updatedAt: now,
    };
    this.state.comments.set(c.id, c);
    return c;
  }

  /** Opens a pull request (the head branch must exist; for a fork pass `fork`). */
  async addPullRequest(
    repo: RepoRef,
    input: PullRequestInput & { user?: string },
  ): Promise<PullRequestRecord> {
    return createPullRequest(this, this.state.mustRepo(repo), { user: 'octocat', ...input });
  }

  /** Test knobs on a pull request: mergeability, state, merged, draft. */
  updatePullRequest(
    repo: RepoRef,
    number: number,
    patch: Partial<Pick<PullRequestRecord, 'mergeable' | 'mergeableState' | 'merged' | 'draft'>> & {
      state?: 'open' | 'closed';
    },
  ): PullRequestRecord {
    const pr = this.pullRequest(repo, number);
    if (!pr) throw new Error(`fake GitHub: no pull request #${number}`);
    const { state, ...rest } = patch;
    Object.assign(pr, rest);
    if (rest.merged) pr.mergedAt ??= nowIso();
    const issue = this.state.issueMap(pr.repo).get(number);
    if (issue && state) {
      issue.state = state;
      issue.closedAt = state === 'closed' ? nowIso() : null;
    }
    return pr;
  }

  addReviewCommentRecord(
    input: Omit<ReviewCommentRecord, 'id' | 'createdAt' | 'updatedAt'>,
  ): ReviewCommentRecord {
    const now = nowIso();
    const c: ReviewCommentRecord = { ...input, id: this.state.nextId(), createdAt: now, updatedAt: now };
    this.state.account(c.user);
    this.state.reviewComments.set(c.id, c);
    return c;
  }

  /** A review comment on a pull request's diff (commit defaults to the live head). */
  async addReviewComment(
    repo: RepoRef,
    number: number,
    input: {
      path: string;
      line: number;
      body: string;
      user?: string;
      diffHunk?: string;
      inReplyTo?: number;
      commitId?: string;
      side?: 'LEFT' | 'RIGHT';
      startLine?: number;
    },
  ): Promise<ReviewCommentRecord> {
    const pr = this.pullRequest(repo, number);
    if (!pr) throw new Error(`fake GitHub: no pull request #${number}`);
    const head = await g.branchSha(this.state.mustRepo(pr.headRepo).gitDir, pr.headRef);
    return this.addReviewCommentRecord({
      repo: pr.repo,
      pullNumber: number,
      reviewId: null,
      path: input.path,
      line: input.line,
      startLine: input.startLine ?? null,
      side: input.side ?? 'RIGHT',
      diffHunk: input.diffHunk ?? `@@ -${input.line},1 +${input.line},1 @@`,
      commitId: input.commitId ?? head ?? '',
      ...(input.inReplyTo !== undefined ? { inReplyToId: input.inReplyTo } : {}),
      body: input.body,
      user: input.user ?? 'octocat',
    });
  }

  addReview(
    repo: RepoRef,
    number: number,
    input: { user?: string; state: ReviewRecord['state']; body?: string; commitId?: string },
  ): ReviewRecord {
    const key = repoKey(this.state.mustRepo(repo));
    const r: ReviewRecord = {
      id: this.state.nextId(),
      repo: key,
      pullNumber: number,
      user: this.state.account(input.user ?? 'octocat').login,
      state: input.state,
      body: input.body ?? '',
      commitId: input.commitId ?? '',
      submittedAt: nowIso(),
    };
    this.state.reviews.set(r.id, r);
    return r;
  }

  /** A check run from another app (default "ci", id 15368 like GitHub Actions), with annotations. */
  async addCheckRun(
    repo: RepoRef,
    input: {
      name: string;
      headSha: string;
      status?: string;
      conclusion?: string | null;
      output?: { title?: string; summary?: string; text?: string };
      annotations?: AnnotationRecord[];
      app?: AppRef;
      detailsUrl?: string;
      externalId?: string;
    },
  ): Promise<CheckRunRecord> {
    const body: Record<string, unknown> = {
      name: input.name,
      head_sha: input.headSha,
      status: input.status ?? (input.conclusion ? 'completed' : 'queued'),
      ...(input.conclusion ? { conclusion: input.conclusion } : {}),
      output: { ...input.output, annotations: input.annotations ?? [] },
      ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
      ...(input.externalId ? { external_id: input.externalId } : {}),
    };
    const app = input.app ?? { id: 15368, slug: 'github-actions', name: 'GitHub Actions' };
    return createCheckRun(this, this.state.mustRepo(repo), body, app);
  }

  setJobLog(
    repo: RepoRef,
    jobId: number,
    log: string,
    options: { name?: string; runId?: number; conclusion?: string | null; headSha?: string } = {},
  ): JobRecord {
    const job: JobRecord = {
      id: jobId,
      repo: repoKey(this.state.mustRepo(repo)),
      runId: options.runId ?? jobId + 1,
      name: options.name ?? 'build',
      log,
      status: 'completed',
      conclusion: options.conclusion === undefined ? 'failure' : options.conclusion,
      headSha: options.headSha ?? '',
    };
    this.state.jobs.set(jobId, job);
    return job;
  }

  // ---- inspection ---------------------------------------------------------------------------

  repo(ref: RepoRef): RepoRecord | undefined {
    return this.state.repo(ref);
  }

  issue(repo: RepoRef, number: number): IssueRecord | undefined {
    return this.state.issueMap(repoKey(repo)).get(number);
  }

  issues(repo: RepoRef): IssueRecord[] {
    return [...this.state.issueMap(repoKey(repo)).values()];
  }

  comments(repo: RepoRef, number: number): CommentRecord[] {
    const key = repoKey(repo);
    return [...this.state.comments.values()].filter((c) => c.repo === key && c.issueNumber === number);
  }

  pullRequest(repo: RepoRef, number: number): PullRequestRecord | undefined {
    return this.state.pullMap(repoKey(repo)).get(number);
  }

  pullRequests(repo: RepoRef): PullRequestRecord[] {
    return [...this.state.pullMap(repoKey(repo)).values()];
  }

  reviews(repo: RepoRef, number: number): ReviewRecord[] {
    const key = repoKey(repo);
    return [...this.state.reviews.values()].filter((r) => r.repo === key && r.pullNumber === number);
  }

  reviewComments(repo: RepoRef, number?: number): ReviewCommentRecord[] {
    const key = repoKey(repo);
    return [...this.state.reviewComments.values()].filter(
      (c) => c.repo === key && (number === undefined || c.pullNumber === number),
    );
  }

  /** Review comments that answer another (`in_reply_to_id` set). */
  reviewReplies(repo: RepoRef, number?: number): ReviewCommentRecord[] {
    return this.reviewComments(repo, number).filter((c) => c.inReplyToId !== undefined);
  }

  reactions(
    filter: { repo?: RepoRef; subject?: ReactionRecord['subject']; subjectId?: number } = {},
  ): ReactionRecord[] {
    const key = filter.repo === undefined ? undefined : repoKey(filter.repo);
    return this.state.reactions.filter(
      (r) =>
        (key === undefined || r.repo === key) &&
        (filter.subject === undefined || r.subject === filter.subject) &&
        (filter.subjectId === undefined || r.subjectId === filter.subjectId),
    );
  }

  /** Installation tokens minted so far, with their scope (repositoryIds, permissions) and expiry. */
  tokens(): TokenRecord[] {
    return [...this.state.tokens.values()];
  }

  checkRuns(repo: RepoRef): CheckRunRecord[] {
    const key = repoKey(repo);
    return [...this.state.checkRuns.values()].filter((r) => r.repo === key);
  }

  labels(repo: RepoRef, number: number): string[] {
    return [...(this.issue(repo, number)?.labels ?? [])];
  }

  branchSha(repo: RepoRef, branch: string): Promise<string | undefined> {
    return g.branchSha(this.state.mustRepo(repo).gitDir, branch);
  }

  /** A file's content at `ref` (branch, tag or sha), or undefined when missing. */
  async readFile(repo: RepoRef, ref: string, path: string): Promise<string | undefined> {
    return (await this.readFileBytes(repo, ref, path))?.toString();
  }

  /** A file's bytes at `ref` (branch, tag or sha), or undefined when missing. */
  async readFileBytes(repo: RepoRef, ref: string, path: string): Promise<Buffer | undefined> {
    const r = this.state.mustRepo(repo);
    const sha = await g.resolveCommit(r.gitDir, ref);
    if (!sha) return undefined;
    const clean = path.replace(/^\/+/, '');
    const [entry] = await g.lsTree(r.gitDir, sha, clean);
    if (!entry || entry.type !== 'blob' || entry.path !== clean) return undefined;
    return g.readBlob(r.gitDir, entry.sha);
  }

  /** Commits reachable from `ref`, newest first. */
  log(repo: RepoRef, ref: string): Promise<g.CommitInfo[]> {
    return g.log(this.state.mustRepo(repo).gitDir, ref);
  }
}

function generateKey(): Promise<string> {
  return new Promise<string>((resolve, reject) =>
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      },
      (err, _pub, priv) => (err ? reject(err) : resolve(priv)),
    ),
  );
}

// RSA key generation takes 50-400 ms; each fake gets its own fresh key, the next one being
// generated in the background while the current fake runs.
let spareKey: Promise<string> | undefined;

function takeKey(): Promise<string> {
  const key = spareKey ?? generateKey();
  spareKey = generateKey();
  spareKey.catch(() => undefined);
  return key;
}

// Temp dirs of fakes never closed (a test that crashed) are removed when the process exits.
const openRoots = new Set<string>();
let exitHook = false;

function trackRoot(root: string): void {
  openRoots.add(root);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const dir of openRoots) rmSync(dir, { recursive: true, force: true });
  });
}

/** Starts a fake on 127.0.0.1 (random port) with a fresh RSA key and temp dir. */
export async function startFake(options: StartOptions = {}): Promise<FakeGitHub> {
  // Load the description in the background (shared per process); requests await it.
  loadOpenApi().catch(() => undefined);
  const [privateKey, root] = await Promise.all([takeKey(), mkdtemp(join(tmpdir(), 'fake-github-'))]);
  trackRoot(root);
  const fake = new FakeGitHub(root, privateKey, options);
  await fake.listen();
  return fake;
}
