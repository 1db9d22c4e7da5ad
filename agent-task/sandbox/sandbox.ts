/**
 * Where and as whom the agent's tools run.
 *
 * This program (the supervisor) holds secrets: the Anthropic key and GitHub tokens in its memory
 * and environment. The tools run code the model wrote against a repository anybody could have
 * pushed to. Three layers keep them apart, the strongest the machine allows:
 *
 * - `bubblewrap`: each tool process starts in its own user, PID, IPC and UTS namespaces
 *   (`bwrap --unshare-all --share-net --die-with-parent`), sees the file system read-only except
 *   its own folder, cannot see Nightshift's files (`.env`, `.data/`, the program), other tasks'
 *   folders or any process outside its sandbox; when the sandbox's first process ends, every
 *   process in it is killed. Works as root and unprivileged (user namespaces).
 * - `uid`: as root, the tools run under a uid of the task's own (tool-identity.ts): the kernel
 *   refuses them the supervisor's /proc entries and files, and every process of that uid is killed
 *   when the task ends. Used alone where namespaces are not allowed (a Fargate container).
 * - `none`: neither (not root, no user namespaces): only the clean environment. A command could
 *   read the supervisor's /proc/<pid>/environ. Said in the log; never the case in the container.
 *
 * The tools' folder (`<taskDir>/tools`: the checkout `repo/` and the private `home/`) is created
 * here, owned by the tools' uid, before any tool process exists. From then on the supervisor
 * never acts on anything inside it by path: it starts tool processes, reads what they print,
 * and at the end has them delete their own files.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { lchown, mkdir, rmdir, writeFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxError, toolEnvironment } from './tool-environment.js';
import { allocateIdentity, killEveryProcessOf, type TaskIdentity, type UidRange } from './tool-identity.js';

export { SandboxError, toolEnvironment } from './tool-environment.js';

export type Isolation = 'bubblewrap' | 'uid' | 'none';

export interface ToolSandbox {
  /** The tools' folder, `<taskDir>/tools`. */
  dir: string;
  /** The agent's checkout, `<dir>/repo`; the editor refuses paths outside it. */
  workspace: string;
  /** The tools' private home (mode 0700), with TMPDIR inside. */
  home: string;
  /** Set when the tools run as a uid of their own (this process is root). */
  uid?: number;
  gid?: number;
  isolation: Isolation;
  /** The complete environment of every tool process: see tool-environment.ts. */
  env: Record<string, string>;
  /** Folders outside `dir` the tools may read (the supervisor's repository, to clone from). */
  readOnly: string[];
  /** Hidden from the tools under bubblewrap: an empty folder over folders, /dev/null over files. */
  hidden: string[];
  identity?: TaskIdentity;
}

export interface SandboxOptions {
  /** A folder of this task's own, created by the supervisor (mode 0711); the tools' folder goes in it. */
  taskDir: string;
  readOnly?: string[];
  /** More paths to hide, beside Nightshift's own folder and (unprivileged) the user's home. */
  hidden?: string[];
  /** Where PATH, LANG, … are copied from; default `process.env`. */
  baseEnv?: NodeJS.ProcessEnv;
  /** `auto` (default): bubblewrap when it works, else a uid of the task's own, else none. */
  isolation?: 'auto' | Isolation;
  uids?: UidRange;
  /** The tools' `~/.gitconfig`. */
  gitConfig?: string;
  /**
   * Called once the tools' folder exists, owned by `owner`, and before any tool process: the only
   * moment the supervisor may put something in it by path (a setup spare, setup/setup-spares.ts).
   */
  fill?: (dir: string, owner: { uid: number; gid: number } | undefined) => Promise<void>;
}

/** Caps on each tool process (prlimit): processes per task uid, file size, no core dumps. */
const MAX_PROCESSES = 4096;
const MAX_FILE_BYTES = 8 * 1024 ** 3;
const PRLIMIT = '/usr/bin/prlimit';
const BWRAP = 'bwrap';

/** Nightshift's own folder (the source tree, or /app in the container). */
const PROGRAM_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function createSandbox(options: SandboxOptions): Promise<ToolSandbox> {
  const isRoot = process.getuid?.() === 0;
  const identity = isRoot ? await allocateIdentity(options.uids) : undefined;
  try {
    const { dir, home, workspace } = toolsFolders(options.taskDir);
    // Fresh folders, made before any tool process exists: nothing here can be a planted link.
    for (const path of [dir, home, join(home, 'tmp'), workspace]) {
      await mkdir(path, { mode: path === workspace ? 0o755 : 0o700 });
    }
    await writeFile(join(home, '.gitconfig'), options.gitConfig ?? '', { mode: 0o644 });
    if (identity) {
      for (const path of [dir, home, join(home, 'tmp'), join(home, '.gitconfig'), workspace]) {
        await lchown(path, identity.uid, identity.gid);
      }
    }
    await options.fill?.(dir, identity);
    const sandbox = await describeSandbox(options, identity);
    await assertReachable(sandbox);
    return sandbox;
  } catch (error) {
    await identity?.release();
    throw error;
  }
}

/**
 * The sandbox of a tools' folder that a task process left when it died, to dispose of it as those
 * tools did (disposeSandbox): `identity` is the uid that owns it, taken back (reclaimIdentity).
 */
export function reopenSandbox(taskDir: string, identity: TaskIdentity | undefined): Promise<ToolSandbox> {
  return describeSandbox({ taskDir }, identity);
}

function toolsFolders(taskDir: string): { dir: string; home: string; workspace: string } {
  const dir = join(taskDir, 'tools');
  return { dir, home: join(dir, 'home'), workspace: join(dir, 'repo') };
}

async function describeSandbox(
  options: SandboxOptions,
  identity: TaskIdentity | undefined,
): Promise<ToolSandbox> {
  const { dir, home, workspace } = toolsFolders(options.taskDir);
  const user = identity ? `nightshift-${identity.uid}` : currentUser();
  const sandbox: ToolSandbox = {
    dir,
    workspace,
    home,
    ...(identity ? { uid: identity.uid, gid: identity.gid, identity } : {}),
    isolation: 'none',
    // HOME and TMPDIR inside the tools' folder: caches the tools make (npm's ~/.npm, pip's
    // ~/.cache) go with it when the task ends.
    env: toolEnvironment(options.baseEnv ?? process.env, {
      HOME: home,
      TMPDIR: join(home, 'tmp'),
      USER: user,
      LOGNAME: user,
    }),
    readOnly: (options.readOnly ?? []).map((p) => resolve(p)),
    // A path a uid of the task's own cannot walk to needs no cover (and bwrap, as that uid, could
    // not mount one there): a store folder inside a private folder of ours, say.
    hidden: defaultHidden(options.hidden ?? [], process.getuid?.() === 0).filter(
      (p) => !identity || walkable(dirname(p)),
    ),
  };
  sandbox.isolation = await chooseIsolation(sandbox, options.isolation ?? 'auto');
  return sandbox;
}

/**
 * How to start `argv` as a tool process, in `cwd` (default the checkout): the file, its arguments
 * and the spawn options. Every tool process starts through here.
 */
export function sandboxCommand(
  sandbox: ToolSandbox,
  argv: string[],
  cwd = sandbox.workspace,
): { file: string; args: string[]; options: SpawnOptions & { env: Record<string, string> } } {
  const limited = [...limitsPrefix(sandbox), ...argv];
  const options = {
    env: sandbox.env,
    ...(sandbox.uid !== undefined ? { uid: sandbox.uid, gid: sandbox.gid } : {}),
  };
  if (sandbox.isolation !== 'bubblewrap') {
    const [file, ...args] = limited;
    return { file: file ?? 'true', args, options: { ...options, cwd } };
  }
  return {
    file: BWRAP,
    args: [...bubblewrapArgs(sandbox), '--chdir', cwd, '--', ...limited],
    options: { ...options, cwd: '/' },
  };
}

/**
 * Stop whatever the tools still run (a daemon, a background loop), so that what is read from their
 * folder next is what they left, not something still changing: with a uid of the task's own,
 * every process of it. (Under bubblewrap a sandbox's processes end with its first one.)
 */
export async function stopTools(sandbox: ToolSandbox): Promise<void> {
  if (sandbox.uid !== undefined) await killEveryProcessOf(sandbox.uid);
}

/**
 * End the tools: kill every process of the task's uid, have the tools delete their own folder's
 * contents (as themselves, so no link they planted can turn the deletion against anything else),
 * remove the emptied folder, and give the uid back.
 */
export async function disposeSandbox(sandbox: ToolSandbox): Promise<{ removed: boolean }> {
  await stopTools(sandbox);
  const script = 'chmod -R u+rwX -- "$1" 2>/dev/null; find "$1" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +';
  const { file, args, options } = sandboxCommand(
    sandbox,
    ['/bin/sh', '-c', script, 'cleanup', sandbox.dir],
    '/',
  );
  await new Promise<void>((done) => {
    const child = spawn(file, args, { ...options, stdio: 'ignore' });
    child.once('error', () => done());
    child.once('close', () => done());
  });
  await stopTools(sandbox);
  // rmdir removes only an empty folder and never follows a link: safe whatever is left inside.
  const removed = await rmdir(sandbox.dir).then(
    () => true,
    () => false,
  );
  await sandbox.identity?.release();
  return { removed };
}

function bubblewrapArgs(sandbox: ToolSandbox): string[] {
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
  for (const path of sandbox.hidden) {
    args.push(...(isDirectory(path) ? ['--tmpfs', path] : ['--ro-bind', '/dev/null', path]));
  }
  // Other tasks' folders live beside ours: the tools see only their own.
  const workRoot = dirname(dirname(sandbox.dir));
  if (workRoot !== '/') args.push('--tmpfs', workRoot);
  for (const path of sandbox.readOnly) args.push('--ro-bind', path, path);
  args.push('--bind', sandbox.dir, sandbox.dir);
  args.push('--unshare-all', '--share-net', '--die-with-parent', '--new-session');
  return args;
}

function limitsPrefix(sandbox: ToolSandbox): string[] {
  if (!existsSync(PRLIMIT)) return [];
  // A process cap is per uid: only meaningful when the uid is the task's own.
  const nproc = sandbox.uid !== undefined ? [`--nproc=${MAX_PROCESSES}`] : [];
  return [PRLIMIT, ...nproc, `--fsize=${MAX_FILE_BYTES}`, '--core=0', '--'];
}

/** Nightshift's folder, `.env`, its data folder and, when the tools share our uid, our home. */
function defaultHidden(extra: string[], isRoot: boolean): string[] {
  const dataDir = resolve(process.env.NIGHTSHIFT_DATA_DIR ?? '.data');
  const paths = [PROGRAM_DIR, resolve('.env'), dataDir, ...extra.map((p) => resolve(p))];
  if (!isRoot) paths.push(homedir());
  return [...new Set(paths)].filter((p) => p !== '/' && existsSync(p));
}

const bubblewrapWorks = new Map<string, Promise<boolean>>();

async function chooseIsolation(sandbox: ToolSandbox, wanted: 'auto' | Isolation): Promise<Isolation> {
  const fallback: Isolation = sandbox.uid !== undefined ? 'uid' : 'none';
  if (wanted === 'uid' && sandbox.uid === undefined) {
    throw new SandboxError('uid isolation needs root: run as root, or use bubblewrap');
  }
  if (wanted !== 'auto' && wanted !== 'bubblewrap') return wanted;
  const key = String(sandbox.uid !== undefined);
  let works = bubblewrapWorks.get(key);
  if (!works) {
    works = succeeds(BWRAP, ['--ro-bind', '/', '/', '--unshare-all', '--share-net', '--', 'true'], {
      ...(sandbox.uid !== undefined ? { uid: sandbox.uid, gid: sandbox.gid } : {}),
    });
    bubblewrapWorks.set(key, works);
  }
  if (await works) return 'bubblewrap';
  if (wanted === 'bubblewrap') {
    throw new SandboxError(
      'bubblewrap cannot create a sandbox here (is the bubblewrap package installed, and are user namespaces allowed?)',
    );
  }
  return fallback;
}

/** Fail early, with a useful message, when the tools cannot reach their own folder. */
async function assertReachable(sandbox: ToolSandbox): Promise<void> {
  const { file, args, options } = sandboxCommand(
    sandbox,
    ['/bin/sh', '-c', 'cd "$1" && test -w . && test -w "$2"', 'probe', sandbox.workspace, sandbox.home],
    '/',
  );
  if (!(await succeeds(file, args, options))) {
    throw new SandboxError(
      `the tools (uid ${sandbox.uid ?? process.getuid?.()}) cannot reach their workspace ${sandbox.workspace}: ` +
        'every parent folder of the work root must be searchable (o+x)',
    );
  }
}

/** Whether a probe exits 0 within ten seconds (without blocking what else the task does meanwhile). */
function succeeds(file: string, args: string[], options: SpawnOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...options, stdio: 'ignore', timeout: 10_000 });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
}

/** Every folder from `/` down to `path` lets others through (o+x). */
function walkable(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (dir === dirname(dir)) return true;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'user');
  }
}
