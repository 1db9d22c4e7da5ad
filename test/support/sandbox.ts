/**
 * A tools sandbox for tests, as the agent task makes one: a task folder of its own (mode 0711)
 * with the tools' folder inside. `writeAsTools` puts a fixture in the workspace owned by the tools.
 */
import { chmod, chown, lchown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSandbox,
  disposeSandbox,
  type SandboxOptions,
  type ToolSandbox,
} from '../../agent-task/sandbox/sandbox.js';

export async function testSandbox(options: Partial<SandboxOptions> = {}): Promise<ToolSandbox> {
  const taskDir = await mkdtemp(join(tmpdir(), 'nightshift-test-task-'));
  await chmod(taskDir, 0o711);
  try {
    return await createSandbox({ ...options, taskDir });
  } catch (error) {
    await rm(taskDir, { recursive: true, force: true });
    throw error;
  }
}

export async function disposeTestSandbox(sandbox: ToolSandbox): Promise<void> {
  await disposeSandbox(sandbox);
  await rm(join(sandbox.dir, '..'), { recursive: true, force: true });
}

/** Write a fixture into the workspace as the tools would own it. */
export async function writeAsTools(
  sandbox: ToolSandbox,
  path: string,
  content: string | Buffer,
): Promise<string> {
  const full = join(sandbox.workspace, path);
  await writeFile(full, content);
  if (sandbox.uid !== undefined) await chown(full, sandbox.uid, sandbox.gid ?? sandbox.uid);
  return full;
}

/** Test fixtures made by this (root) process in the workspace, given to the tools (links not followed). */
export async function giveToTools(sandbox: ToolSandbox, dir = sandbox.workspace): Promise<void> {
  if (sandbox.uid === undefined) return;
  await lchown(dir, sandbox.uid, sandbox.gid ?? sandbox.uid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await giveToTools(sandbox, path);
    else await lchown(path, sandbox.uid, sandbox.gid ?? sandbox.uid);
  }
}
