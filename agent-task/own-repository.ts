/**
 * The supervisor's own repository: a bare, partial clone (`--filter=blob:none`) of the
 * repository's `clone_url`, in a folder the tools cannot write. It is the only repository in which
 * Nightshift runs git with credentials, and every git command here runs with our settings, never
 * the agent's: the agent works in a separate checkout cloned from this one (agent-checkout.ts), and
 * its result arrives here as a patch (data), applied to a temporary index, committed with
 * Nightshift's identity and pushed from here.
 *
 * The blobs of the checked-out commit are fetched at clone time (one request), so the agent's
 * checkout can be cloned from here without credentials and the patch applies without the network.
 */
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseChangedFiles, type ChangedFile } from '../core/changed-files.js';
import { gitCredentialSetting, type TokenSource } from './github-access.js';
import { GitError, runGit, type RunGitOptions } from './git.js';

export interface Author {
  name: string;
  email: string;
}

export interface OwnRepositoryOptions {
  /** Where the clone goes: a folder of the task's own, not writable by the tools. */
  dir: string;
  cloneUrl: string;
  tokens: Pick<TokenSource, 'token'> & Partial<Pick<TokenSource, 'refused'>>;
}

export class HeadMovedError extends Error {
  override readonly name = 'HeadMovedError';
}

export class ProtectedBranchError extends Error {
  override readonly name = 'ProtectedBranchError';
}

export class ResultTooLargeError extends Error {
  override readonly name = 'ResultTooLargeError';
}

/** What git says when the remote refuses its credentials. */
const AUTH_REFUSED = /Authentication failed|HTTP 401|could not read Username|terminal prompts disabled/i;
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
/** A regular file in a tree (not a symlink, not a submodule). */
const REGULAR_FILE = /^100(644|755) blob ([0-9a-f]{40,64})\t/;

export class OwnRepository {
  private constructor(private readonly options: OwnRepositoryOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  /** Clone `branch` (which must exist on the remote) and fetch the blobs of its tree. */
  static async clone(options: OwnRepositoryOptions, branch: string): Promise<OwnRepository> {
    const own = new OwnRepository(options);
    await own.withToken(
      [
        'clone',
        '--bare',
        '--filter=blob:none',
        '--no-tags',
        '--single-branch',
        '--branch',
        branch,
        '--',
        options.cloneUrl,
        options.dir,
      ],
      { cwd: join(options.dir, '..') },
    );
    // The agent's checkout is cloned from here by the tools (file://, as their own uid).
    await own.git(['config', 'uploadpack.allowFilter', 'true']);
    await own.git(['config', 'uploadpack.allowAnySHA1InWant', 'true']);
    await own.prefetch(EMPTY_TREE, `refs/heads/${branch}`);
    return own;
  }

  /** A git command here, without credentials. */
  git(args: string[], options: Partial<RunGitOptions> = {}): Promise<{ stdout: string; stderr: string }> {
    return runGit(args, { cwd: this.dir, ...options });
  }

  /**
   * A git command that needs the token, given as an HTTP header to that one command. Refused
   * credentials (a revoked token) get one more try with a new token; if GitHub will not issue one,
   * the token source throws InstallationGoneError.
   */
  private async withToken(
    args: string[],
    options: Partial<RunGitOptions> = {},
  ): Promise<{ stdout: string; stderr: string }> {
    const { tokens } = this.options;
    const run = (token: string) =>
      runGit(args, {
        cwd: this.dir,
        ...options,
        settings: [gitCredentialSetting(token), ...(options.settings ?? [])],
      });
    const token = await tokens.token();
    try {
      return await run(token);
    } catch (error) {
      if (!tokens.refused || !(error instanceof GitError) || !AUTH_REFUSED.test(error.stderr)) throw error;
      tokens.refused(token);
      return await run(await tokens.token());
    }
  }

  /** Fetch, in one request, the blobs a diff between two commits (or trees) reads. */
  private async prefetch(from: string, to: string): Promise<void> {
    await this.withToken(['diff', '--shortstat', '--no-renames', from, to]);
  }

  async tip(branch: string): Promise<string> {
    return (await this.git(['rev-parse', '--verify', `refs/heads/${branch}^{commit}`])).stdout.trim();
  }

  async createBranch(name: string, at: string): Promise<void> {
    await this.git(['update-ref', `refs/heads/${name}`, at, '']);
  }

  /**
   * Fetch a branch from the repository into `refs/nightshift/<branch>`, with the blobs a merge of
   * it into `into` needs; returns its sha.
   */
  async fetch(branch: string, into: string): Promise<string> {
    await this.withToken([
      'fetch',
      '--no-tags',
      '--quiet',
      '--',
      this.options.cloneUrl,
      `+refs/heads/${branch}:refs/nightshift/${branch}`,
    ]);
    const sha = (await this.git(['rev-parse', `refs/nightshift/${branch}`])).stdout.trim();
    const base = (
      await this.git(['merge-base', into, sha]).catch(() => ({ stdout: EMPTY_TREE }))
    ).stdout.trim();
    await this.prefetch(base, sha);
    await this.prefetch(base, into);
    return sha;
  }

  /** A regular file's text at `commit`, or undefined (missing, a symlink, a submodule, too large). */
  async readFile(commit: string, path: string, maxBytes: number): Promise<string | undefined> {
    const { stdout } = await this.git(['ls-tree', '-z', commit, '--', path]);
    const match = REGULAR_FILE.exec(stdout.split('\0')[0] ?? '');
    if (!match?.[2]) return undefined;
    const oid = match[2];
    const size = Number((await this.withToken(['cat-file', '-s', oid])).stdout.trim());
    if (size > maxBytes) return undefined;
    return (await this.withToken(['cat-file', 'blob', oid])).stdout;
  }

  /** A commit on `branch` with `tip`'s tree and `tip` as parent: the start of a new branch. */
  async commitEmpty(branch: string, message: string, author: Author): Promise<string> {
    const tip = await this.tip(branch);
    return this.commit(branch, `${tip}^{tree}`, [tip], message, author);
  }

  /**
   * Apply the agent's patch (a `git diff --binary` against `base`) to `base`'s tree in a
   * temporary index, and commit the result on `branch` with the given parents (the branch's tip,
   * and the merged branch for a merge). Returns the new head, or undefined when the tree equals
   * the tip's (nothing to commit). Paths in the patch are checked by git (nothing under `.git`,
   * nothing outside the tree); the patch never touches a working tree.
   */
  async commitPatch(patch: {
    file: string;
    base: string;
    branch: string;
    parents: string[];
    message: string;
    author: Author;
  }): Promise<string | undefined> {
    const index = `${this.dir}.index`;
    const env = { GIT_INDEX_FILE: index };
    await rm(index, { force: true });
    try {
      await this.git(['read-tree', patch.base], { env });
      if ((await stat(patch.file)).size > 0) {
        await this.git(['apply', '--cached', '--whitespace=nowarn', '--', patch.file], { env });
      }
      const tree = (await this.git(['write-tree'], { env })).stdout.trim();
      const tip = patch.parents[0] ?? (await this.tip(patch.branch));
      const tipTree = (await this.git(['rev-parse', `${tip}^{tree}`])).stdout.trim();
      if (tree === tipTree && patch.parents.length < 2) return undefined;
      return await this.commit(patch.branch, tree, patch.parents, patch.message, patch.author);
    } finally {
      await rm(index, { force: true });
    }
  }

  private async commit(
    branch: string,
    tree: string,
    parents: string[],
    message: string,
    author: Author,
  ): Promise<string> {
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'];
    const sha = (await this.git(args, { env, input: message })).stdout.trim();
    const old = await this.tip(branch).catch(() => '');
    await this.git(['update-ref', `refs/heads/${branch}`, sha, old]);
    return sha;
  }

  /** The changes between two commits as text, binary files included, for push protection. */
  async diffAsText(from: string, to: string): Promise<string> {
    const args = ['diff', '--text', '--no-renames', '--no-color', '--no-ext-diff', '--no-textconv', from, to];
    return (await this.git(args)).stdout;
  }

  /**
   * Files changed between two commits, renames found, with the lines added and removed. Run here,
   * on commits, never in the agent's checkout; with the token, because reading line counts may
   * need a blob this partial clone has not fetched yet.
   */
  async changedFiles(from: string, to: string): Promise<ChangedFile[]> {
    const diff = (format: string) =>
      this.withToken(['diff', '-z', '-M', format, '--no-color', '--no-ext-diff', '--no-textconv', from, to]);
    const [nameStatus, numstat] = await Promise.all([diff('--name-status'), diff('--numstat')]);
    return parseChangedFiles(nameStatus.stdout, numstat.stdout);
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
   * Push our `branch` to the repository's clone_url, as a fast-forward only. Refused: the
   * repository's default branch, whatever asked for it (a pull request whose head is the default
   * branch); and a branch that moved since `expected` (a person pushed meanwhile), rather than
   * overwrite their commits.
   */
  async push(branch: string, expected: string | undefined): Promise<string> {
    const sha = await this.tip(branch);
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
}
