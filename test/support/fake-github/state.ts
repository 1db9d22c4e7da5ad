// In-memory state of the fake GitHub. Ids come from one counter, so every id is unique.
import type {
  AccountRecord,
  CheckRunRecord,
  CheckSuiteRecord,
  CommentRecord,
  InstallationRecord,
  IssueRecord,
  HookDeliveryRecord,
  JobRecord,
  LabelRecord,
  PullRequestRecord,
  ReactionRecord,
  RepoRecord,
  RepoRef,
  ReviewCommentRecord,
  ReviewRecord,
  Role,
  TokenRecord,
} from './types.js';

export function repoKey(ref: RepoRef): string {
  return (typeof ref === 'string' ? ref : ref.fullName).toLowerCase();
}

const LABEL_COLORS = ['d73a4a', '0075ca', 'a2eeef', '7057ff', '008672', 'e4e669', 'd876e3', 'cfd3d7'];

export class State {
  private counter = 1000;
  readonly accounts = new Map<string, AccountRecord>();
  readonly installations = new Map<number, InstallationRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly repos = new Map<string, RepoRecord>();
  readonly roles = new Map<string, Map<string, Role>>();
  readonly labels = new Map<string, Map<string, LabelRecord>>();
  readonly issues = new Map<string, Map<number, IssueRecord>>();
  readonly pulls = new Map<string, Map<number, PullRequestRecord>>();
  readonly comments = new Map<number, CommentRecord>();
  readonly reviewComments = new Map<number, ReviewCommentRecord>();
  readonly reviews = new Map<number, ReviewRecord>();
  readonly reactions: ReactionRecord[] = [];
  readonly checkRuns = new Map<number, CheckRunRecord>();
  readonly checkSuites = new Map<number, CheckSuiteRecord>();
  readonly jobs = new Map<number, JobRecord>();
  /** Attempts at delivering webhooks, oldest first. */
  readonly hookDeliveries: HookDeliveryRecord[] = [];

  nextId(): number {
    return ++this.counter;
  }

  /** Accounts spring into existence on first mention; `[bot]` logins are Bots. */
  account(login: string, type?: AccountRecord['type']): AccountRecord {
    const key = login.toLowerCase();
    let acc = this.accounts.get(key);
    if (!acc) {
      acc = { login, id: this.nextId(), type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User') };
      this.accounts.set(key, acc);
    } else if (type && acc.type !== type) {
      acc.type = type;
    }
    return acc;
  }

  repo(ref: RepoRef): RepoRecord | undefined {
    return this.repos.get(repoKey(ref));
  }

  mustRepo(ref: RepoRef): RepoRecord {
    const repo = this.repo(ref);
    if (!repo) throw new Error(`fake GitHub: no repository ${typeof ref === 'string' ? ref : ref.fullName}`);
    return repo;
  }

  repoById(id: number): RepoRecord | undefined {
    for (const repo of this.repos.values()) if (repo.id === id) return repo;
    return undefined;
  }

  role(repo: RepoRecord, login: string): Role {
    const explicit = this.roles.get(repoKey(repo))?.get(login.toLowerCase());
    if (explicit) return explicit;
    if (login.toLowerCase() === repo.owner.toLowerCase()) return 'admin';
    return repo.private ? 'none' : 'read';
  }

  setRole(repo: RepoRecord, login: string, role: Role): void {
    const key = repoKey(repo);
    const map = this.roles.get(key) ?? new Map<string, Role>();
    map.set(login.toLowerCase(), role);
    this.roles.set(key, map);
    this.account(login);
  }

  /** Labels are per repository and created on first use, as adding a label to an issue does. */
  label(repo: string, name: string): LabelRecord {
    const map = this.labels.get(repo) ?? new Map<string, LabelRecord>();
    this.labels.set(repo, map);
    let label = map.get(name.toLowerCase());
    if (!label) {
      label = {
        id: this.nextId(),
        name,
        color: LABEL_COLORS[map.size % LABEL_COLORS.length] ?? 'ededed',
        description: null,
      };
      map.set(name.toLowerCase(), label);
    }
    return label;
  }

  issueMap(repo: string): Map<number, IssueRecord> {
    let map = this.issues.get(repo);
    if (!map) {
      map = new Map();
      this.issues.set(repo, map);
    }
    return map;
  }

  pullMap(repo: string): Map<number, PullRequestRecord> {
    let map = this.pulls.get(repo);
    if (!map) {
      map = new Map();
      this.pulls.set(repo, map);
    }
    return map;
  }

  /** Issues and pull requests share one number sequence per repository. */
  nextNumber(repo: string): number {
    let max = 0;
    for (const n of this.issueMap(repo).keys()) max = Math.max(max, n);
    return max + 1;
  }
}
