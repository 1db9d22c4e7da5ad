/**
 * The task's folder in the work root, `nightshift-task-<pid>-XXXXXX`: the supervisor's (mode 0711),
 * holding its own repository (`own.git`, a temporary index beside it, the result patch) and the
 * tools' folder (`tools/`, see sandbox/sandbox.ts). The pid in its name is the agent-task process
 * it belongs to, so that a later start can tell what a dead process left behind (leftovers.ts).
 */
import { chmod, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

const PREFIX = 'nightshift-task-';
const NAME = /^nightshift-task-(\d+)-[A-Za-z0-9]{6}$/;

export async function makeTaskDir(workRoot: string): Promise<string> {
  const taskDir = await mkdtemp(join(workRoot, `${PREFIX}${process.pid}-`));
  await chmod(taskDir, 0o711); // the tools may pass through to their own folder, not list ours
  return taskDir;
}

/** The pid of the process a task folder's name says it belongs to; undefined for any other name. */
export function taskDirOwner(name: string): number | undefined {
  const pid = NAME.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

export function ownRepositoryDir(taskDir: string): string {
  return join(taskDir, 'own.git');
}

/**
 * The task's folder goes last, after the tools' folder was removed as the tools: our own files
 * (never writable by the tools) recursively, then the folder itself with rmdir, which cannot follow
 * a link. False when something is left in it.
 */
export async function removeTaskDir(taskDir: string): Promise<boolean> {
  const own = ownRepositoryDir(taskDir);
  for (const path of [own, `${own}.index`, join(taskDir, 'result.patch')]) {
    await rm(path, { recursive: true, force: true });
  }
  return rmdir(taskDir).then(
    () => true,
    () => false,
  );
}
