/**
 * A uid of the task's own. As root, each task's tools run under a uid taken from a range that no
 * account uses (no passwd entry needed), so two tasks cannot read, signal or trace each other, and
 * when the task ends every process of that uid is killed, whatever it did to detach itself.
 *
 * A uid is taken by creating `<lockDir>/<uid>` (a symbolic link naming the taking process's pid:
 * creating it is atomic, and it says whose it is), in a root-only folder, and only when no process
 * runs as it; it is given back when the task ends, or, when that process died first, by whoever
 * cleans up after it (`reclaimIdentity`, `reclaimStaleLocks`).
 */
import { lstat, mkdir, readdir, readFile, readlink, rename, rmdir, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxError } from './tool-environment.js';

export interface UidRange {
  first: number;
  last: number;
}

/** Far above login and system accounts, and above the ranges rootless containers usually take. */
export const DEFAULT_UID_RANGE: UidRange = { first: 3_000_000, last: 3_999_999 };

export function parseUidRange(text: string | undefined): UidRange {
  if (!text) return DEFAULT_UID_RANGE;
  const match = /^(\d+)-(\d+)$/.exec(text.trim());
  const first = Number(match?.[1]);
  const last = Number(match?.[2]);
  if (!match || first < 1000 || last < first || last > 4_294_967_294) {
    throw new SandboxError(
      `NIGHTSHIFT_TOOL_UIDS=${text} is not a uid range: write it as first-last, e.g. 3000000-3999999 (above 1000)`,
    );
  }
  return { first, last };
}

export interface TaskIdentity {
  uid: number;
  gid: number;
  release(): Promise<void>;
}

export const LOCK_DIR = join(tmpdir(), 'nightshift-uids');

/** Take a free uid from `range`; its gid is the same number. */
export async function allocateIdentity(
  range: UidRange = DEFAULT_UID_RANGE,
  lockDir = LOCK_DIR,
): Promise<TaskIdentity> {
  await openLockDir(lockDir);
  const busy = await uidsInUse();
  const size = range.last - range.first + 1;
  for (let attempt = 0; attempt < 64; attempt++) {
    const uid = range.first + Math.floor(Math.random() * size);
    if (busy.has(uid)) continue;
    const lock = join(lockDir, String(uid));
    try {
      await symlink(String(process.pid), lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    return heldIdentity(uid, lock);
  }
  throw new SandboxError(`no free uid in ${range.first}-${range.last}: widen NIGHTSHIFT_TOOL_UIDS`);
}

/** Given back at most once: a second release must not drop a lock someone has taken since. */
function heldIdentity(uid: number, lock: string): TaskIdentity {
  let released = false;
  return {
    uid,
    gid: uid,
    release: async () => {
      if (released) return;
      released = true;
      if ((await lockOwner(lock)) === process.pid) await unlink(lock).catch(() => undefined);
    },
  };
}

async function openLockDir(lockDir: string): Promise<void> {
  await mkdir(lockDir, { recursive: true, mode: 0o700 });
  await assertPrivateFolder(lockDir);
}

/**
 * The pid a lock names; null for a lock that names none (a folder, as earlier versions made them);
 * undefined when there is no lock.
 */
async function lockOwner(lock: string): Promise<number | null | undefined> {
  const target = await readlink(lock).catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? undefined : null,
  );
  return target === undefined || target === null ? target : /^\d+$/.test(target) ? Number(target) : null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Take over `uid` from a task process that died holding it (to clean up after it as that uid):
 * only when its lock is free or names a dead process. Undefined when a live process holds it.
 */
export async function reclaimIdentity(uid: number, lockDir = LOCK_DIR): Promise<TaskIdentity | undefined> {
  await openLockDir(lockDir);
  const lock = join(lockDir, String(uid));
  const owner = await lockOwner(lock);
  if (typeof owner === 'number' && owner !== process.pid && processAlive(owner)) return undefined;
  if (owner === null) await rmdir(lock).catch(() => undefined); // an earlier version's lock
  // Written beside it and renamed over it: the lock is never absent for another task to take.
  const fresh = `${lock}.${process.pid}`;
  await unlink(fresh).catch(() => undefined);
  await symlink(String(process.pid), fresh);
  await rename(fresh, lock);
  return heldIdentity(uid, lock);
}

/**
 * Give back the uids of task processes that died holding them (killed, or the machine stopped),
 * once no process runs as them. Returns how many were given back.
 */
export async function reclaimStaleLocks(lockDir = LOCK_DIR): Promise<number> {
  const names = await readdir(lockDir).catch(() => [] as string[]);
  if (names.length === 0) return 0;
  await assertPrivateFolder(lockDir);
  const busy = await uidsInUse();
  let reclaimed = 0;
  for (const name of names.filter((n) => /^\d+$/.test(n))) {
    const lock = join(lockDir, name);
    const owner = await lockOwner(lock);
    if (owner === undefined || busy.has(Number(name))) continue;
    if (typeof owner === 'number' && processAlive(owner)) continue;
    const removed = owner === null ? rmdir(lock) : unlink(lock);
    if (
      await removed.then(
        () => true,
        () => false,
      )
    )
      reclaimed++;
  }
  return reclaimed;
}

/**
 * The lock folder sits in a shared temp folder that tools running with a uid alone can write: one
 * they made (or a link they planted) would let them drop other tasks' locks and share a uid. Only
 * a real folder of ours, closed to everyone else, is used.
 */
async function assertPrivateFolder(path: string): Promise<void> {
  const info = await lstat(path);
  if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o077) !== 0) {
    throw new SandboxError(
      `${path} is not a private folder of this user (a link, another owner, or open to others): remove it and try again`,
    );
  }
}

/** The real uids of every process on the machine (as far as /proc shows them). */
async function uidsInUse(): Promise<Set<number>> {
  const uids = new Set<number>();
  for (const pid of await processIds()) {
    const uid = await processUid(pid);
    if (uid !== undefined) uids.add(uid);
  }
  return uids;
}

async function processIds(): Promise<number[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** The real uid of a live process; undefined for a zombie (dead already, waiting to be reaped). */
async function processUid(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  if (/^State:\s+Z/m.test(status)) return undefined;
  const match = /^Uid:\s+(\d+)/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

/**
 * SIGKILL every process whose real uid is `uid`, until none is left (a fork racing the first
 * round is caught by the next). Returns how many were killed.
 */
export async function killEveryProcessOf(uid: number): Promise<number> {
  if (uid === 0) throw new SandboxError('refusing to kill the processes of root');
  let killed = 0;
  for (let round = 0; round < 10; round++) {
    let found = 0;
    for (const pid of await processIds()) {
      if (pid === process.pid || (await processUid(pid)) !== uid) continue;
      found++;
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // gone already
      }
    }
    if (found === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return killed;
}
