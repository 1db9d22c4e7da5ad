import { mkdir, mkdtemp, rm, stat, symlink, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  disposeSandbox,
  prepareSandbox,
  SandboxError,
  type ToolSandbox,
} from '../../../agent-task/tools/sandbox.js';

const isRoot = process.getuid?.() === 0;

describe('prepareSandbox', () => {
  const cleanup: string[] = [];
  const sandboxes: ToolSandbox[] = [];
  afterEach(async () => {
    for (const s of sandboxes.splice(0)) await disposeSandbox(s);
    for (const p of cleanup.splice(0)) await rm(p, { recursive: true, force: true });
  });

  async function workspaceWithOutsideLink(): Promise<{ workspace: string; target: string }> {
    const workspace = await mkdtemp(join(tmpdir(), 'nightshift-sandbox-'));
    const outside = await mkdtemp(join(tmpdir(), 'nightshift-sandbox-outside-'));
    cleanup.push(workspace, outside);
    const target = join(outside, 'root-file');
    await writeFile(target, 'x', { mode: 0o600 });
    await mkdir(join(workspace, 'src'));
    await writeFile(join(workspace, 'src', 'a.ts'), 'a');
    await symlink(target, join(workspace, 'src', 'escape'));
    return { workspace, target };
  }

  it.runIf(isRoot)(
    'hands the workspace to an unprivileged user without following symlinks out of it',
    async () => {
      const { workspace, target } = await workspaceWithOutsideLink();
      const sandbox = await prepareSandbox(workspace, { baseEnv: { PATH: '/usr/bin:/bin' } });
      sandboxes.push(sandbox);
      expect(sandbox.user).toBe('nobody');
      expect(sandbox.uid).toBeGreaterThan(0);
      for (const path of [workspace, join(workspace, 'src'), join(workspace, 'src', 'a.ts')]) {
        expect((await stat(path)).uid).toBe(sandbox.uid);
      }
      expect((await lstat(join(workspace, 'src', 'escape'))).uid).toBe(sandbox.uid);
      expect((await stat(target)).uid).toBe(0);

      const home = await stat(sandbox.home);
      expect(home.uid).toBe(sandbox.uid);
      expect(home.mode & 0o777).toBe(0o700);
      expect(sandbox.env.HOME).toBe(sandbox.home);
      expect(sandbox.env.TMPDIR?.startsWith(sandbox.home)).toBe(true);
      expect(sandbox.env.USER).toBe('nobody');

      await disposeSandbox(sandboxes.pop()!);
      await expect(stat(sandbox.home)).rejects.toThrow();
    },
  );

  it.runIf(isRoot)(
    'takes the user from NIGHTSHIFT_TOOL_USER and refuses root or an unknown user',
    async () => {
      const { workspace } = await workspaceWithOutsideLink();
      await expect(prepareSandbox(workspace, { baseEnv: { NIGHTSHIFT_TOOL_USER: 'root' } })).rejects.toThrow(
        SandboxError,
      );
      await expect(prepareSandbox(workspace, { user: 'no-such-user-here' })).rejects.toThrow(
        /does not exist/,
      );
      const sandbox = await prepareSandbox(workspace, { baseEnv: { NIGHTSHIFT_TOOL_USER: 'nobody' } });
      sandboxes.push(sandbox);
      expect(sandbox.user).toBe('nobody');
    },
  );

  it.runIf(isRoot)('says so when a parent directory hides the workspace from the tool user', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'nightshift-private-')); // mode 0700, root's
    cleanup.push(parent);
    await mkdir(join(parent, 'ws'));
    await expect(prepareSandbox(join(parent, 'ws'))).rejects.toThrow(/cannot reach the workspace/);
  });

  it.skipIf(isRoot)('runs tools as the current user when not root', async () => {
    const { workspace } = await workspaceWithOutsideLink();
    const sandbox = await prepareSandbox(workspace);
    sandboxes.push(sandbox);
    expect(sandbox.uid).toBeUndefined();
    expect((await stat(sandbox.home)).mode & 0o777).toBe(0o700);
  });
});
