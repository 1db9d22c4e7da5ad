// Plumbing on the fake's bare repositories: real git, isolated from the user's and system config.
import { spawn } from 'node:child_process';
import { appendFile } from 'node:fs/promises';

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export const GIT_IDENTITY = { name: 'Test', email: 'test@example.com' };

export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: GIT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: GIT_IDENTITY.email,
    GIT_COMMITTER_NAME: GIT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: GIT_IDENTITY.email,
    ...extra,
  };
}

export function git(gitDir: string, args: string[], input?: Buffer | string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, ...args], { env: gitEnv() });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

async function gitOk(gitDir: string, args: string[], input?: Buffer | string): Promise<string> {
  const r = await git(gitDir, args, input);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.toString();
}

export async function initBare(gitDir: string, defaultBranch: string): Promise<void> {
  await gitOk(gitDir, ['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`, gitDir]);
  await appendFile(
    `${gitDir}/config`,
    '[http]\n\treceivepack = true\n[uploadpack]\n\tallowFilter = true\n\tallowAnySHA1InWant = true\n' +
      '[receive]\n\tdenyDeleteCurrent = warn\n',
  );
}

/** The commit a ref/sha/branch names, or undefined. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined;
  const r = await git(gitDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.toString().trim() : undefined;
}

export async function branchSha(gitDir: string, branch: string): Promise<string | undefined> {
  return resolveCommit(gitDir, `refs/heads/${branch}`);
}

/** Every ref and the object it points at. */
export async function refs(gitDir: string): Promise<Map<string, string>> {
  const out = await gitOk(gitDir, ['for-each-ref', '--format=%(refname) %(objectname)']);
  const map = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [name, sha] = line.split(' ');
    if (name && sha) map.set(name, sha);
  }
  return map;
}

export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await git(gitDir, ['merge-base', '--is-ancestor', ancestor, descendant])).code === 0;
}

export async function mergeBase(gitDir: string, a: string, b: string): Promise<string | undefined> {
  const r = await git(gitDir, ['merge-base', a, b]);
  return r.code === 0 ? r.stdout.toString().trim() : undefined;
}

export async function updateRef(gitDir: string, ref: string, sha: string | null): Promise<void> {
  if (sha === null) await gitOk(gitDir, ['update-ref', '-d', ref]);
  else await gitOk(gitDir, ['update-ref', ref, sha]);
}

export interface TreeEntry {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size: number;
  path: string;
}

/** `git ls-tree -l`; with `dir`, the entries inside that directory. */
export async function lsTree(
  gitDir: string,
  commit: string,
  path: string,
  dir = false,
): Promise<TreeEntry[]> {
  const spec = path === '' ? [] : ['--', dir ? `${path}/` : path];
  const r = await git(gitDir, ['ls-tree', '-l', '-z', commit, ...spec]);
  if (r.code !== 0) return [];
  return r.stdout
    .toString()
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', type = 'blob', sha = '', size = '0'] = line.slice(0, tab).split(/\s+/);
      return {
        mode,
        type: type as TreeEntry['type'],
        sha,
        size: size === '-' ? 0 : Number(size),
        path: line.slice(tab + 1),
      };
    });
}

export async function readBlob(gitDir: string, sha: string): Promise<Buffer> {
  const r = await git(gitDir, ['cat-file', 'blob', sha]);
  if (r.code !== 0) throw new Error(`git cat-file ${sha}: ${r.stderr}`);
  return r.stdout;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
}

const LOG_FORMAT = '%H%x1f%T%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e';

function parseCommits(out: string): CommitInfo[] {
  return out
    .split('\x1e')
    .map((s) => s.replace(/^\n/, ''))
    .filter(Boolean)
    .map((rec) => {
      const [
        sha = '',
        tree = '',
        parents = '',
        an = '',
        ae = '',
        ad = '',
        cn = '',
        ce = '',
        cd = '',
        body = '',
      ] = rec.split('\x1f');
      return {
        sha,
        tree,
        parents: parents.split(' ').filter(Boolean),
        message: body.replace(/\n+$/, ''),
        author: { name: an, email: ae, date: toUtc(ad) },
        committer: { name: cn, email: ce, date: toUtc(cd) },
      };
    });
}

function toUtc(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export async function log(gitDir: string, ref: string, max?: number): Promise<CommitInfo[]> {
  const args = ['log', `--format=${LOG_FORMAT}`, ...(max ? [`-n${max}`] : []), ref, '--'];
  const r = await git(gitDir, args);
  return r.code === 0 ? parseCommits(r.stdout.toString()) : [];
}

export async function commitInfo(gitDir: string, sha: string): Promise<CommitInfo | undefined> {
  return (await log(gitDir, sha, 1))[0];
}

/**
 * Writes one commit on `branch` with git fast-import: `files` maps a path to its new content, or
 * to null to delete it. The parent is `parent` when given (the branch is then forced there), else
 * the branch tip, else none (a root commit). Returns the new commit's sha.
 */
/** A file's new content: text or bytes, a symbolic link (mode 120000) to `symlink`, or null to delete. */
export type FileContent = string | Buffer | null | { symlink: string };

export async function commitFiles(
  gitDir: string,
  branch: string,
  files: Record<string, FileContent>,
  message: string,
  options: { parent?: string | null; author?: { name: string; email: string } } = {},
): Promise<string> {
  const ref = `refs/heads/${branch}`;
  let parent: string | undefined;
  if (options.parent) {
    parent = await resolveCommit(gitDir, options.parent);
    if (!parent) throw new Error(`commitFiles: unknown parent ${options.parent}`);
  } else if (options.parent !== null) {
    parent = await branchSha(gitDir, branch);
  }
  const author = options.author ?? GIT_IDENTITY;
  const when = `${Math.floor(Date.now() / 1000)} +0000`;
  const chunks: Buffer[] = [];
  const text = (s: string) => chunks.push(Buffer.from(s));
  const data = (b: Buffer) => {
    text(`data ${b.length}\n`);
    chunks.push(b);
    text('\n');
  };
  text(`commit ${ref}\n`);
  text(`author ${author.name} <${author.email}> ${when}\n`);
  text(`committer ${GIT_IDENTITY.name} <${GIT_IDENTITY.email}> ${when}\n`);
  data(Buffer.from(message));
  if (parent) text(`from ${parent}\n`);
  for (const [path, content] of Object.entries(files)) {
    const clean = path.replace(/^\/+/, '');
    if (content === null) {
      text(`D ${clean}\n`);
    } else if (typeof content === 'object' && !Buffer.isBuffer(content)) {
      text(`M 120000 inline ${clean}\n`);
      data(Buffer.from(content.symlink));
    } else {
      text(`M 100644 inline ${clean}\n`);
      data(Buffer.isBuffer(content) ? content : Buffer.from(content));
    }
  }
  text('\n');
  await gitOk(
    gitDir,
    ['fast-import', '--quiet', '--force', '--done'],
    Buffer.concat([...chunks, Buffer.from('done\n')]),
  );
  const sha = await branchSha(gitDir, branch);
  if (!sha) throw new Error(`commitFiles: ${branch} missing after fast-import`);
  return sha;
}
export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** `git diff base...head` (merge-base diff, as a pull request shows it). */
export async function diff(
  gitDir: string,
  base: string,
  head: string,
  extra: string[] = [],
): Promise<string> {
  return gitOk(gitDir, ['diff', '--no-color', '--no-ext-diff', ...extra, `${base}...${head}`, '--']);
}
