/**
 * What dead task processes leave, and how it is taken back (agent-task/leftovers.ts, the uid locks
 * of sandbox/tool-identity.ts). The whole path through `npm start` is in
 * test/e2e/task-log-and-leftovers.test.ts; here, the decisions one by one.
 */
import { spawn } from 'node:child_process';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { removeLeftovers } from '../../../agent-task/leftovers.js';
import { runTool } from '../../../agent-task/sandbox/run-tool.js';
import {
  allocateIdentity,
  reclaimIdentity,
  reclaimStaleLocks,
} from '../../../agent-task/sandbox/tool-identity.js';
import { taskDirOwner } from '../../../agent-task/task-folder.js';
import { disposeTestSandbox, testSandbox } from '../../support/sandbox.js';

const isRoot = process.getuid?.() === 0;
const log = pino({ level: 'silent' });

/** The pid of a process that has exited (and been reaped): no process has it now. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  if (!child.pid) throw new Error('no pid');
  return child.pid;
}

describe('leftovers of dead task processes', () => {
  const paths: string[] = [];
  afterEach(async () => {
    for (const p of paths.splice(0)) await rm(p, { recursive: true, force: true });
  });
  async function tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    await chmod(dir, 0o711);
    paths.push(dir);
    return dir;
  }

  it('names a task folder for its process, and reads only such names back', () => {
    expect(taskDirOwner('nightshift-task-1234-AbC123')).toBe(1234);
    expect(taskDirOwner('nightshift-task-AbC123')).toBeUndefined();
    expect(taskDirOwner('nightshift-task-1234-AbC123/../x')).toBeUndefined();
  });

  it('keeps npm’s cache (and anything else under HOME or TMPDIR) inside the tools’ folder', async () => {
    const sandbox = await testSandbox();
    try {
      const cache = await runTool(sandbox, ['npm', 'config', 'get', 'cache']);
      expect(cache.stdout.trim().startsWith(`${sandbox.home}/`)).toBe(true);
      const temp = await runTool(sandbox, ['/bin/sh', '-c', 'mktemp']);
      expect(temp.stdout.trim().startsWith(`${sandbox.home}/`)).toBe(true);
    } finally {
      await disposeTestSandbox(sandbox);
    }
  });

  it('leaves alone a folder of a live process, and one that is not ours', async () => {
    const root = await tempDir('nightshift-leftovers-');
    const live = join(root, `nightshift-task-${process.ppid}-aaaaaa`);
    await mkdir(live);
    const dead = await deadPid();
    const planted = join(root, `nightshift-task-${dead}-bbbbbb`);
    await symlink(root, planted); // a link by a task folder's name, as a tool could plant in /tmp
    const found = await removeLeftovers(root, { log, lockDir: join(root, 'locks') });
    expect(found.removed).toEqual([]);
    expect((await readdir(root)).sort()).toEqual([live, planted].map((p) => p.slice(root.length + 1)).sort());
  });

  it.runIf(isRoot)(
    'takes back a dead process’s uid lock, never a live one’s, and releases a lock once',
    async () => {
      const lockDir = join(await tempDir('nightshift-locks-'), 'uids');
      const mine = await allocateIdentity(undefined, lockDir);
      expect(await readlink(join(lockDir, String(mine.uid)))).toBe(String(process.pid));
      await symlink(String(await deadPid()), join(lockDir, '3000001'));
      await mkdir(join(lockDir, '3000002')); // an earlier version's lock
      expect(await reclaimStaleLocks(lockDir)).toBe(2);
      expect(await readdir(lockDir)).toEqual([String(mine.uid)]);
      await symlink(String(process.ppid), join(lockDir, '3000003'));
      expect(await reclaimIdentity(3000003, lockDir)).toBeUndefined();
      await mine.release();
      expect(await readdir(lockDir)).toEqual(['3000003']);
      // Taken again by a live process since: a second release must not drop it.
      await symlink(String(process.ppid), join(lockDir, String(mine.uid)));
      await mine.release();
      expect((await readdir(lockDir)).sort()).toEqual([String(mine.uid), '3000003'].sort());
    },
  );

  it.runIf(isRoot)(
    'removes a dead task’s folder as its tools: a planted link to a root-owned file is not followed',
    async () => {
      const root = await tempDir('nightshift-leftovers-');
      const lockDir = join(root, 'locks');
      const taskDir = join(root, `nightshift-task-${await deadPid()}-cccccc`);
      await mkdir(taskDir, { mode: 0o711 });
      const outside = join(root, 'root-owned');
      await writeFile(outside, 'keep\n');
      // The dead task's state: its own repository, the tools' folder owned by its uid, its lock.
      await mkdir(join(taskDir, 'own.git'));
      const identity = await allocateIdentity(undefined, lockDir);
      const lock = join(lockDir, String(identity.uid));
      await rm(lock);
      await symlink(String(await deadPid()), lock);
      const tools = join(taskDir, 'tools');
      for (const dir of [tools, join(tools, 'home'), join(tools, 'repo'), join(tools, 'repo', 'deep')]) {
        await mkdir(dir, { mode: 0o700 });
        await chown(dir, identity.uid, identity.uid);
      }
      await symlink(outside, join(tools, 'repo', 'deep', 'link'));
      await symlink(root, join(tools, 'home', 'link-to-dir'));
      const found = await removeLeftovers(root, { log, lockDir });
      expect(found.removed).toEqual([taskDir]);
      expect((await readdir(root)).sort()).toEqual(['locks', 'root-owned']);
      expect((await lstat(outside)).isFile()).toBe(true);
      expect(await readdir(lockDir)).toEqual([]);
    },
  );
});
