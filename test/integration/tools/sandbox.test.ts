import { spawn } from 'node:child_process';
import { chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sandboxCommand, type ToolSandbox } from '../../../agent-task/sandbox/sandbox.js';
import { runTool } from '../../../agent-task/sandbox/run-tool.js';
import {
  allocateIdentity,
  DEFAULT_UID_RANGE,
  parseUidRange,
} from '../../../agent-task/sandbox/tool-identity.js';
import { disposeTestSandbox, testSandbox } from '../../support/sandbox.js';

const isRoot = process.getuid?.() === 0;

async function processesOf(uid: number): Promise<number> {
  let count = 0;
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    if (/^State:\s+Z/m.test(status)) continue; // a zombie is dead already
    if (new RegExp(`^Uid:\\s+${uid}\\b`, 'm').test(status)) count++;
  }
  return count;
}

/** Start a daemon in the sandbox that detaches itself (setsid, its own session), and return. */
async function startDaemon(sandbox: ToolSandbox): Promise<void> {
  const { file, args, options } = sandboxCommand(sandbox, [
    '/bin/sh',
    '-c',
    'setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo started',
  ]);
  await new Promise<void>((resolve) => {
    const child = spawn(file, args, { ...options, stdio: 'ignore' });
    child.once('close', () => resolve());
  });
}

describe('the tools sandbox', () => {
  const sandboxes: ToolSandbox[] = [];
  const cleanup: string[] = [];
  afterEach(async () => {
    for (const s of sandboxes.splice(0)) await disposeTestSandbox(s).catch(() => undefined);
    for (const p of cleanup.splice(0)) await rm(p, { recursive: true, force: true });
  });

  it('reads the uid range from NIGHTSHIFT_TOOL_UIDS and refuses a bad one', () => {
    expect(parseUidRange(undefined)).toEqual(DEFAULT_UID_RANGE);
    expect(parseUidRange('200000-200099')).toEqual({ first: 200000, last: 200099 });
    expect(() => parseUidRange('0-10')).toThrow(/not a uid range/);
    expect(() => parseUidRange('nobody')).toThrow(/not a uid range/);
  });

  it.runIf(isRoot)(
    'refuses a uid lock folder that a tool could have planted (a link, or a folder of another owner)',
    async () => {
      const base = await mkdtemp(join(tmpdir(), 'nightshift-locks-'));
      cleanup.push(base);
      const outside = await mkdtemp(join(tmpdir(), 'nightshift-lock-target-'));
      cleanup.push(outside);
      await symlink(outside, join(base, 'linked'));
      await expect(allocateIdentity(DEFAULT_UID_RANGE, join(base, 'linked'))).rejects.toThrow(
        /not a private folder/,
      );
      await mkdir(join(base, 'theirs'), { mode: 0o777 });
      await chown(join(base, 'theirs'), 3999999, 3999999);
      await expect(allocateIdentity(DEFAULT_UID_RANGE, join(base, 'theirs'))).rejects.toThrow(
        /not a private folder/,
      );
      expect(await readdir(outside)).toEqual([]);
      const own = await allocateIdentity(DEFAULT_UID_RANGE, join(base, 'own'));
      await own.release();
    },
  );

  it.runIf(isRoot)('gives each task a uid of its own, owning the tools’ folder from the start', async () => {
    const a = await testSandbox();
    const b = await testSandbox();
    sandboxes.push(a, b);
    for (const s of [a, b]) {
      expect(s.uid).toBeGreaterThanOrEqual(DEFAULT_UID_RANGE.first);
      expect(s.uid).toBeLessThanOrEqual(DEFAULT_UID_RANGE.last);
      for (const path of [s.dir, s.home, s.workspace]) expect((await stat(path)).uid).toBe(s.uid);
      expect((await stat(s.home)).mode & 0o777).toBe(0o700);
      expect(s.env.HOME).toBe(s.home);
      expect(s.env.TMPDIR?.startsWith(s.home)).toBe(true);
    }
    expect(a.uid).not.toBe(b.uid);
    // One task's tools cannot read another's folder.
    const peek = await runTool(a, [
      '/bin/sh',
      '-c',
      `ls "${b.workspace}" 2>&1; cat "${b.home}/.gitconfig" 2>&1`,
    ]);
    expect(peek.stdout).toMatch(/No such file or directory|Permission denied/);
  });

  it.runIf(isRoot)(
    'uses bubblewrap here: read-only system, Nightshift’s files hidden, no other process visible',
    async () => {
      const sandbox = await testSandbox();
      sandboxes.push(sandbox);
      expect(sandbox.isolation).toBe('bubblewrap');
      const script = [
        'touch /usr/nightshift-probe 2>&1',
        `ls "${process.cwd()}" | wc -l`,
        'ps -e --no-headers | wc -l',
        'touch "$HOME/ok" && echo home-writable',
      ].join('; ');
      const out = await runTool(sandbox, ['/bin/sh', '-c', script]);
      expect(out.stdout).toMatch(/Read-only file system/);
      const [, listed, processes] = out.stdout.trim().split('\n');
      expect(Number(listed)).toBe(0); // the program's folder (here the checkout of Nightshift) is empty
      expect(Number(processes)).toBeLessThanOrEqual(4); // bwrap's init, sh, ps, wc
      expect(out.stdout).toContain('home-writable');
    },
  );

  it.runIf(isRoot)(
    'kills a daemon that detached itself when the task ends, and deletes only the tools’ own files',
    async () => {
      const sandbox = await testSandbox({ isolation: 'uid' });
      sandboxes.push(sandbox);
      expect(sandbox.isolation).toBe('uid');
      const outside = await mkdtemp(join(tmpdir(), 'nightshift-outside-'));
      cleanup.push(outside);
      await writeFile(join(outside, 'keep.txt'), 'keep');
      // A link planted in the tools' folder, pointing at a root folder outside it.
      await runTool(sandbox, [
        '/bin/sh',
        '-c',
        `ln -s "${outside}" trap && mkdir -p deep && ln -s "${outside}/keep.txt" deep/file`,
      ]);
      await startDaemon(sandbox);
      expect(await processesOf(sandbox.uid!)).toBeGreaterThan(0);

      sandboxes.pop();
      await disposeTestSandbox(sandbox);
      expect(await processesOf(sandbox.uid!)).toBe(0);
      await expect(stat(sandbox.dir)).rejects.toThrow();
      expect(await readFile(join(outside, 'keep.txt'), 'utf8')).toBe('keep');
    },
  );

  it.runIf(isRoot)('under bubblewrap, a detached daemon dies with the command that started it', async () => {
    const sandbox = await testSandbox();
    sandboxes.push(sandbox);
    await startDaemon(sandbox);
    await new Promise((r) => setTimeout(r, 200));
    expect(await processesOf(sandbox.uid!)).toBe(0);
  });

  it.skipIf(isRoot)('runs tools as the current user when not root', async () => {
    const sandbox = await testSandbox();
    sandboxes.push(sandbox);
    expect(sandbox.uid).toBeUndefined();
    expect((await stat(sandbox.home)).mode & 0o777).toBe(0o700);
  });
});
