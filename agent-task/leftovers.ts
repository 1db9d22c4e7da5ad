/**
 * What dead task processes left in the work root: their task folders (the agent's checkout, the
 * tools' home with its caches, our own repository) and their uids' locks. A task process cleans up
 * after itself on every end it lives to see; one that was killed (SIGKILL, a crash, the machine
 * stopped) cannot, and this does it for it, at the next `npm start` and when the local runner
 * saw a child die.
 *
 * The tools' folder of a dead task is still the agent's: it may hold links planted to turn a
 * deletion against something else. It is never walked or deleted by path here: it is reopened as
 * a sandbox of its own uid (taken back from the dead process's lock) and the tools delete their own
 * files, as at every task's end (disposeSandbox). Only a real folder of ours, named for a process
 * that is gone, is touched at all.
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { disposeSandbox, reopenSandbox } from './sandbox/sandbox.js';
import { LOCK_DIR, processAlive, reclaimIdentity, reclaimStaleLocks } from './sandbox/tool-identity.js';
import { removeTaskDir, taskDirOwner } from './task-folder.js';

export interface Leftovers {
  /** Task folders removed. */
  removed: string[];
  /** Task folders of dead processes that could not be removed (said in the log). */
  kept: string[];
  /** uid locks given back. */
  locks: number;
}

export interface LeftoverOptions {
  log: Logger;
  lockDir?: string;
  /** Only the folders of this process (the local runner, after one child died). */
  pid?: number;
}

export async function removeLeftovers(workRoot: string, options: LeftoverOptions): Promise<Leftovers> {
  const found: Leftovers = { removed: [], kept: [], locks: 0 };
  for (const name of await readdir(workRoot).catch(() => [] as string[])) {
    const pid = taskDirOwner(name);
    if (pid === undefined || (options.pid !== undefined && pid !== options.pid)) continue;
    if (pid === process.pid || processAlive(pid)) continue;
    const taskDir = join(workRoot, name);
    const info = await lstat(taskDir).catch(() => undefined);
    // In a shared temp folder anyone may make a folder by that name: only our own is ours to remove.
    if (!info?.isDirectory() || info.uid !== process.getuid?.()) continue;
    const removed = await removeToolsFolder(taskDir, options).then(
      async (done) => done && (await removeTaskDir(taskDir)),
    );
    (removed ? found.removed : found.kept).push(taskDir);
    if (!removed) options.log.warn({ taskDir }, 'could not remove what a dead task left; left in place');
  }
  if (process.getuid?.() === 0) found.locks = await reclaimStaleLocks(options.lockDir ?? LOCK_DIR);
  return found;
}

/** The tools' folder, removed as its tools: true when it is gone. */
async function removeToolsFolder(taskDir: string, options: LeftoverOptions): Promise<boolean> {
  const tools = join(taskDir, 'tools');
  const info = await lstat(tools).catch(() => undefined);
  if (!info) return true;
  // The task folder is ours and closed to the tools: anything but a folder here is not theirs.
  if (!info.isDirectory())
    return unlink(tools).then(
      () => true,
      () => false,
    );
  const ours = info.uid === process.getuid?.();
  if (!ours && process.getuid?.() !== 0) return false;
  const identity = ours ? undefined : await reclaimIdentity(info.uid, options.lockDir);
  if (!ours && !identity) {
    options.log.warn(
      { taskDir, uid: info.uid },
      'a live task holds the uid of a dead task’s tools: not removing them now',
    );
    return false;
  }
  const { removed } = await disposeSandbox(await reopenSandbox(taskDir, identity));
  return removed;
}
