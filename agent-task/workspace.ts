/**
 * The task's checkout: a partial clone (`--filter=blob:none`) of the repository's `clone_url`,
 * owned by the tools' user, on the branch the task works on. See git.ts for who runs what.
 */
import { chown, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitCredentialSetting, type TokenSource } from './github-access.js';
import { GitError, runGit, type GitIdentity, type RunGitOptions } from './git.js';

export interface Author {
  name: string;
  email: string;
}

export interface WorkspaceOptions {
  dir: string;
  cloneUrl: string;
  tokens: Pick<TokenSource, 'token'> & Partial<Pick<TokenSource, 'refused'>>;
}

/** What git says when the remote refuses its credentials. */
const AUTH_REFUSED = /Authentication failed|HTTP 401|could not read Username|terminal prompts disabled/i;

/** Who the tools run as; git commands without the token run as them too. */
export type ToolIdentity = GitIdentity & { home: string };

export class HeadMovedError extends Error {
  override readonly name = 'HeadMovedError';
}

export class ProtectedBranchError extends Error {
  override readonly name = 'ProtectedBranchError';
}

export class Workspace {
  private pristineConfig = '';
  private tool: ToolIdentity = { home: '/tmp' };

  private constructor(private readonly options: WorkspaceOptions) {}

  /** From now on, the tools' user owns the checkout and runs the token-less git commands. */
  handTo(tool: ToolIdentity): void {
    this.tool = { home: tool.home, ...(tool.uid !== undefined ? { uid: tool.uid, gid: tool.gid } : {}) };
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Clone and check out `branch` (which must exist on the remote). */
  static async clone(options: WorkspaceOptions, branch: string): Promise<Workspace> {
    const ws = new Workspace(options);
    await ws.withToken(
      ['clone', '--filter=blob:none', '--no-tags', '--branch', branch, '--', options.cloneUrl, options.dir],
      {
        cwd: join(options.dir, '..'),
      },
    );
    ws.pristineConfig = await readFile(ws.configPath, 'utf8');
    return ws;
  }

  private get configPath(): string {
    return join(this.dir, '.git', 'config');
  }

  /** Give the checkout to the tools' user (after anything this process wrote into it). */
  async handOver(): Promise<void> {
    const { uid, gid } = this.tool;
    if (uid === undefined || gid === undefined) return;
    await chownTree(this.dir, uid, gid);
  }

  /** A git command as the tools' user, with no secret in its environment. */
  git(args: string[], options: Partial<RunGitOptions> = {}): Promise<{ stdout: string; stderr: string }> {
    return runGit(args, { cwd: this.dir, as: this.tool, env: { HOME: this.tool.home }, ...options });
  }

  /**
   * A git command that needs the token: repository config restored first, hooks off. Refused
   * credentials (a revoked token) get one more try with a new token; if GitHub will not issue one,
   * the token source throws InstallationGoneError.
   */
  private async withToken(
    args: string[],
    options: Partial<RunGitOptions> = {},
  ): Promise<{ stdout: string; stderr: string }> {
    if (this.pristineConfig) await this.restoreConfig();
    const { tokens } = this.options;
    const run = async (token: string) =>
      runGit(args, {
        cwd: this.dir,
        ...options,
        settings: [gitCredentialSetting(token), ...(options.settings ?? [])],
      });
    try {
      const token = await tokens.token();
      try {
        return await run(token);
      } catch (error) {
        if (!tokens.refused || !(error instanceof GitError) || !AUTH_REFUSED.test(error.stderr)) throw error;
        tokens.refused(token);
        return await run(await tokens.token());
      }
    } finally {
      if (this.pristineConfig) await this.handOver();
    }
  }

  /** Undo whatever the agent did to `.git/config` (remotes, rewrites, filters, credential helpers). */
  private async restoreConfig(): Promise<void> {
    const gitDir = join(this.dir, '.git');
    const info = await stat(gitDir).catch(() => undefined);
    if (!info?.isDirectory())
      throw new Error('the workspace .git is no longer a directory: refusing to use it');
    await rm(this.configPath, { force: true });
    await writeFile(this.configPath, this.pristineConfig);
  }

  async createBranch(name: string): Promise<void> {
    await this.git(['switch', '-c', name]);
  }

  async head(): Promise<string> {
    return (await this.git(['rev-parse', 'HEAD'])).stdout.trim();
  }

  async hasChanges(): Promise<boolean> {
    return (await this.git(['status', '--porcelain'])).stdout.trim().length > 0;
  }

  /** Commit everything the agent changed; returns the new head, or undefined with nothing to commit. */
  async commitAll(
    message: string,
    author: Author,
    options: { allowEmpty?: boolean } = {},
  ): Promise<string | undefined> {
    await this.git(['add', '-A']);
    if (!options.allowEmpty && !(await this.hasStagedChanges())) return undefined;
    const env = {
      HOME: this.tool.home,
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    await this.git(
      ['commit', '--no-verify', '-q', ...(options.allowEmpty ? ['--allow-empty'] : []), '-F', '-'],
      {
        env,
        input: message,
      },
    );
    return this.head();
  }

  private async hasStagedChanges(): Promise<boolean> {
    try {
      await this.git(['diff', '--cached', '--quiet']);
      return false;
    } catch {
      return true;
    }
  }

  /** Files changed between `base` and HEAD, with their status letters. */
  async changedFiles(base: string): Promise<string[]> {
    const { stdout } = await this.git(['diff', '--name-status', `${base}..HEAD`]);
    return stdout.split('\n').filter(Boolean);
  }

  /** The branch's sha on the remote right now, or undefined if it does not exist. */
  async remoteSha(branch: string): Promise<string | undefined> {
    return (await this.remoteState(branch)).sha;
  }

  /** The branch's sha on the remote and the remote's default branch (its HEAD), in one request. */
  private async remoteState(branch: string): Promise<{ sha?: string; defaultBranch?: string }> {
    const { stdout } = await this.withToken([
      'ls-remote',
      '--symref',
      '--',
      this.options.cloneUrl,
      'HEAD',
      `refs/heads/${branch}`,
    ]);
    const state: { sha?: string; defaultBranch?: string } = {};
    for (const line of stdout.split('\n')) {
      const [left, ref] = line.split('\t');
      const symref = /^ref: refs\/heads\/(.+)$/.exec(left ?? '');
      if (symref && ref === 'HEAD') state.defaultBranch = symref[1];
      else if (ref === `refs/heads/${branch}` && left) state.sha = left.trim();
    }
    return state;
  }

  /**
   * Push HEAD to `branch` on the repository's clone_url (never a remote the checkout names), as a
   * fast-forward only. Refused: the repository's default branch, whatever asked for it (a pull
   * request whose head is the default branch); and a branch that moved since `expected` (a person
   * pushed meanwhile), rather than overwrite their commits.
   */
  async push(branch: string, expected: string | undefined): Promise<string> {
    const sha = await this.head();
    const { sha: remote, defaultBranch } = await this.remoteState(branch);
    if (defaultBranch !== undefined && defaultBranch === branch) {
      throw new ProtectedBranchError(
        `${branch} is the repository's default branch: Nightshift never pushes to it; nothing was pushed`,
      );
    }
    if (remote !== expected) {
      throw new HeadMovedError(
        `${branch} moved on GitHub while Nightshift worked (expected ${expected?.slice(0, 7) ?? 'no branch'}, found ${remote?.slice(0, 7) ?? 'none'}); nothing was pushed`,
      );
    }
    await this.withToken([
      'push',
      '--no-verify',
      '--quiet',
      '--',
      this.options.cloneUrl,
      `${sha}:refs/heads/${branch}`,
    ]);
    return sha;
  }

  /** Fetch a branch from the repository into `refs/nightshift/<branch>`; returns its sha. */
  async fetch(branch: string): Promise<string> {
    await this.withToken([
      'fetch',
      '--no-tags',
      '--quiet',
      '--',
      this.options.cloneUrl,
      `+refs/heads/${branch}:refs/nightshift/${branch}`,
    ]);
    return (await this.git(['rev-parse', `refs/nightshift/${branch}`])).stdout.trim();
  }

  /**
   * Merge `ref` into the branch (run with the token, so the partial clone can fetch the blobs the
   * merge needs; hooks off, config restored). Returns true when conflicts are left for the agent:
   * the merge is then concluded by the next `commitAll`.
   */
  async merge(ref: string, author: Author): Promise<boolean> {
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    try {
      await this.withToken(['merge', '--no-edit', '--no-ff', '--no-verify', ref], { env });
      return false;
    } catch (error) {
      const conflicted = (await this.git(['diff', '--name-only', '--diff-filter=U'])).stdout.trim();
      if (conflicted) return true;
      throw error;
    }
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await chown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, uid, gid);
    else await chown(path, uid, gid).catch(() => undefined);
  }
}
