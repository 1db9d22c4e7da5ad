/**
 * Who and what the agent's tools (its shell and its editor) run as.
 *
 * The agent-task process holds secrets: the Anthropic key and the GitHub installation token in its
 * memory and environment. The tools run code the model wrote against a repository anybody could
 * have pushed to, so they must not be able to reach those secrets. Two things keep them out:
 *
 * 1. The tools' environment is built from an ALLOW-list (`toolEnvironment`), never by copying
 *    `process.env` and deleting names: a variable nobody thought of stays out by default.
 * 2. When the process runs as root (as it does in the container), the tools run as a different,
 *    unprivileged user (`nobody` unless `NIGHTSHIFT_TOOL_USER` names another). The kernel then
 *    refuses that user `/proc/<pid>/environ`, `/proc/<pid>/mem` and ptrace of the process holding
 *    the secrets, and files the process keeps mode 0600 (a private key file, say) are unreadable.
 *    The workspace is handed to that user (`lchown`, never following symlinks) and it gets a private
 *    home directory, so a repository's scripts cannot read or plant dotfiles in root's home.
 *
 * When the process does not run as root it cannot switch users: the tools then run as the current
 * user, with the clean environment and private home but WITHOUT the uid boundary: a determined
 * command could read `/proc/<parent>/environ`. That is the local development mode; the container
 * runs as root so that the boundary holds in production.
 */
import { chmod, chown, lchown, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

export interface ToolSandbox {
  /** Absolute path of the cloned repository; the editor refuses paths outside it. */
  workspace: string;
  /** Set when the tools run as another user than this process (this process is root). */
  uid?: number;
  gid?: number;
  /** The tool user's name, for messages ("nobody"); absent when tools run as the current user. */
  user?: string;
  /** A private home directory for the tool user (mode 0700). */
  home: string;
  /** The complete environment of every tool process: see `toolEnvironment`. */
  env: Record<string, string>;
}

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
}

/** Variables copied from the parent environment when set; nothing else ever is. */
const COPIED = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const;

/** A neutral identity for commits the tools make; Nightshift sets the real author when it commits. */
const GIT_IDENTITY = { name: 'Nightshift agent', email: 'nightshift-agent@users.noreply.github.com' };

/**
 * Names that must never reach a tool, even when our own code passes them in `extra` by mistake.
 * (`toolEnvironment` copies nothing from `base` beyond `COPIED`, so this guards `extra` only.)
 */
const SECRET_NAME =
  /^(ANTHROPIC_|GITHUB_|GH_|AWS_|ECS_CONTAINER_METADATA_URI|NIGHTSHIFT_|ACTIONS_)|(^|_)(TOKEN|SECRET|PASSWORD|PRIVATE_KEY|API_KEY|CREDENTIALS?)(_|$)/i;

/**
 * The environment of every tool process: an allow-list over `base` plus fixed, harmless settings,
 * then `extra` (our own values, such as HOME, USER and TMPDIR of the sandbox). Throws if `extra`
 * names something that looks like a secret.
 */
export function toolEnvironment(
  base: NodeJS.ProcessEnv,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of COPIED) {
    const value = base[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  env.LANG ??= 'C.UTF-8';
  Object.assign(env, {
    HOME: '/nonexistent',
    USER: 'nobody',
    TMPDIR: tmpdir(),
    TERM: 'dumb',
    CI: 'true',
    NO_COLOR: '1',
    PAGER: 'cat',
    GIT_PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: GIT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: GIT_IDENTITY.email,
    GIT_COMMITTER_NAME: GIT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: GIT_IDENTITY.email,
  });
  for (const [name, value] of Object.entries(extra)) {
    if (SECRET_NAME.test(name)) {
      throw new SandboxError(`refusing to pass ${name} to the agent's tools: it looks like a secret`);
    }
    env[name] = value;
  }
  return env;
}

export interface PrepareSandboxOptions {
  /** The unprivileged user the tools run as when this process is root; default
   * `NIGHTSHIFT_TOOL_USER` from `baseEnv`, else `nobody`. A name from /etc/passwd or a numeric uid. */
  user?: string;
  /** Where PATH, LANG, … are copied from; default `process.env`. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Parent directory of the private home; default the OS temp directory. */
  homeParent?: string;
}

/**
 * Make `workspace` ready for the tools: pick the user they run as, give the workspace to it, and
 * create its private home (with a private TMPDIR inside). Call `disposeSandbox` when done.
 */
export async function prepareSandbox(
  workspace: string,
  options: PrepareSandboxOptions = {},
): Promise<ToolSandbox> {
  const baseEnv = options.baseEnv ?? process.env;
  const root = resolve(workspace);
  const home = await mkdtemp(join(options.homeParent ?? tmpdir(), 'nightshift-home-'));
  try {
    return await populate(root, home, baseEnv, options.user);
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

async function populate(
  root: string,
  home: string,
  baseEnv: NodeJS.ProcessEnv,
  user: string | undefined,
): Promise<ToolSandbox> {
  const tmp = join(home, 'tmp');
  await mkdir(tmp, { mode: 0o700 });
  await chmod(home, 0o700);

  if (process.getuid?.() !== 0) {
    // Not root: no user switch is possible. See the header comment for what that costs.
    return {
      workspace: root,
      home,
      env: toolEnvironment(baseEnv, { HOME: home, TMPDIR: tmp, USER: currentUser() }),
    };
  }

  const name = user ?? (baseEnv.NIGHTSHIFT_TOOL_USER || 'nobody');
  const account = await lookupUser(name);
  if (account.uid === 0) throw new SandboxError(`the tool user ${name} is root; choose an unprivileged user`);
  await chown(home, account.uid, account.gid);
  await chown(tmp, account.uid, account.gid);
  await chownTree(root, account.uid, account.gid);
  const sandbox: ToolSandbox = {
    workspace: root,
    uid: account.uid,
    gid: account.gid,
    user: account.name,
    home,
    env: toolEnvironment(baseEnv, { HOME: home, TMPDIR: tmp, USER: account.name, LOGNAME: account.name }),
  };
  assertReachable(sandbox);
  return sandbox;
}

/** Remove the private home. The workspace belongs to the caller and is left alone. */
export async function disposeSandbox(sandbox: ToolSandbox): Promise<void> {
  await rm(sandbox.home, { recursive: true, force: true });
}

interface Account {
  name: string;
  uid: number;
  gid: number;
}

async function lookupUser(name: string): Promise<Account> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  if (/^\d+$/.test(name)) return { name, uid: Number(name), gid: Number(name) };
  throw new SandboxError(
    `the tool user ${name} does not exist in /etc/passwd; create it or set NIGHTSHIFT_TOOL_USER to an existing unprivileged user`,
  );
}

/** `chown -R` that changes symlinks themselves and never follows them out of the tree. */
async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await lchown(dir, uid, gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(path, uid, gid);
    else await lchown(path, uid, gid);
  }
}

/** Fail early, with a useful message, when a parent directory hides the workspace from the tool user. */
function assertReachable(sandbox: ToolSandbox): void {
  const probe = spawnSync(
    '/bin/sh',
    ['-c', 'cd "$1" && test -w . && test -w "$2"', 'probe', sandbox.workspace, sandbox.home],
    {
      uid: sandbox.uid,
      gid: sandbox.gid,
      env: sandbox.env,
      cwd: '/',
      stdio: 'ignore',
      timeout: 10_000,
    },
  );
  if (probe.status !== 0) {
    throw new SandboxError(
      `the tool user ${sandbox.user ?? sandbox.uid} cannot reach the workspace ${sandbox.workspace} or its home ${sandbox.home}: ` +
        'every parent directory must be searchable (o+x) by it',
    );
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'user');
  }
}
