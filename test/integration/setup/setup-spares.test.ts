/**
 * Setup spares, made and taken by real sandboxes (bubblewrap and a uid of their own): the next
 * task gets the entry as its own files without unpacking, once; and whatever a hostile archive or
 * checkout holds, nothing lands outside the configured paths, no tool reaches the shelf, and a
 * spare that failed to be made leaves nothing behind.
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTool } from '../../../agent-task/sandbox/run-tool.js';
import {
  createSandbox,
  disposeSandbox,
  type Isolation,
  type ToolSandbox,
} from '../../../agent-task/sandbox/sandbox.js';
import { archiveCodec, CacheArchiveError, placeSpare } from '../../../agent-task/setup/cache-archive.js';
import { SPARE_IN_TOOLS, SpareShelf, type TakenSpare } from '../../../agent-task/setup/setup-spares.js';
import { makeTaskDir } from '../../../agent-task/task-folder.js';
import { compress, tarArchive, type TarEntry } from '../../support/tar-fixture.js';

const isRoot = process.getuid?.() === 0;
const ISOLATIONS: Isolation[] = isRoot ? ['bubblewrap', 'uid'] : ['bubblewrap'];
const codec = archiveCodec();
const ENTRY = `${'a'.repeat(64)}.tar.${codec === 'zstd' ? 'zst' : 'gz'}`;
const REPOSITORY = '1/acme/app';

describe.each(ISOLATIONS)('setup spares (%s)', (isolation) => {
  let workRoot: string;
  let shelf: SpareShelf;
  const sandboxes: ToolSandbox[] = [];

  beforeEach(async () => {
    workRoot = await mkdtemp(join(tmpdir(), 'nightshift-spares-'));
    await chmod(workRoot, 0o711);
    shelf = SpareShelf.open(workRoot, join(workRoot, 'store'), 2);
  });
  afterEach(async () => {
    for (const s of sandboxes.splice(0)) await disposeSandbox(s).catch(() => undefined);
    await rm(workRoot, { recursive: true, force: true });
  });

  function archive(entries: TarEntry[]): Readable {
    return Readable.from([compress(tarArchive(entries), codec)]);
  }

  function make(entries: TarEntry[], repository = REPOSITORY): Promise<void> {
    return shelf.make({
      repository,
      entry: ENTRY,
      version: 'v1',
      archive: archive(entries),
      codec,
      timeoutMs: 60_000,
      sandbox: { isolation },
    });
  }

  /** A task's sandbox, made as the agent task makes it: the repository's spare taken into it. */
  async function task(repository = REPOSITORY): Promise<{ sandbox: ToolSandbox; taken?: TakenSpare }> {
    let taken: TakenSpare | undefined;
    const sandbox = await createSandbox({
      taskDir: await makeTaskDir(workRoot),
      isolation,
      fill: async (dir, owner) => {
        taken = await shelf.take(repository, join(dir, SPARE_IN_TOOLS), owner);
      },
    });
    sandboxes.push(sandbox);
    return { sandbox, ...(taken ? { taken } : {}) };
  }

  async function asTools(s: ToolSandbox, script: string): Promise<string> {
    const run = await runTool(s, ['/bin/sh', '-c', script]);
    if (run.code !== 0) throw new Error(`${script}: ${run.stderr}`);
    return run.stdout;
  }

  /** What is in the work root besides the shelf and live task folders: nothing a maker left. */
  async function leftovers(live: ToolSandbox[]): Promise<string[]> {
    const names = await readdir(workRoot);
    const liveNames = new Set(live.map((s) => join(s.dir, '..').split('/').at(-1)));
    return names.filter((n) => !n.startsWith('nightshift-setup-spares-') && !liveNames.has(n));
  }

  it('gives the next task the entry as its own files, without unpacking, once', async () => {
    await make([
      { name: 'repo/node_modules/left-pad/index.js', type: 'file', body: 'module.exports = 1;\n' },
      { name: 'repo/node_modules/.bin/left-pad', type: 'symlink', target: '../left-pad/index.js' },
      { name: 'home/.npm/_cacache/index', type: 'file', body: 'cached' },
    ]);
    expect(await leftovers([])).toEqual([]);

    expect(await shelf.has(REPOSITORY, ENTRY, 'v1')).toBe(true);
    expect(await shelf.has(REPOSITORY, ENTRY, 'v2')).toBe(false);
    expect(await shelf.has('2/other/repo', ENTRY, 'v1')).toBe(false);
    const { sandbox, taken } = await task();
    expect(taken).toEqual({ entry: ENTRY, version: 'v1' });
    expect(await shelf.has(REPOSITORY, ENTRY, 'v1')).toBe(false);
    const restored = await placeSpare(sandbox, SPARE_IN_TOOLS, ['node_modules', '~/.npm/_cacache'], {
      timeoutMs: 60_000,
    });
    expect(restored).toEqual(['node_modules', '~/.npm/_cacache']);
    const uid = String(sandbox.uid ?? process.getuid?.());
    // Theirs to change like anything `npm ci` had made: owned by the task's tools, writable.
    expect(
      await asTools(
        sandbox,
        'stat -c %u node_modules/left-pad/index.js "$HOME/.npm/_cacache/index"; ' +
          'echo more >> node_modules/left-pad/index.js && readlink node_modules/.bin/left-pad; ls -A ..',
      ),
    ).toBe(`${uid}\n${uid}\n../left-pad/index.js\nhome\nrepo\n`);

    // Taken once: the next task finds none until another is made.
    expect((await task()).taken).toBeUndefined();
  });

  it('two tasks at once: one takes the spare, the other none; another repository never gets it', async () => {
    await make([{ name: 'repo/deps/a', type: 'file', body: 'a' }]);
    expect((await task('2/other/repo')).taken).toBeUndefined();
    const both = await Promise.all([task(), task()]);
    expect(both.filter((t) => t.taken).length).toBe(1);
  });

  it('no tool reaches the shelf, a spare on it, or a maker at work', async () => {
    await make([{ name: 'repo/deps/a', type: 'file', body: 'a' }]);
    const { sandbox } = await task('2/other/repo');
    const run = await runTool(sandbox, [
      '/bin/sh',
      '-c',
      'ls -A "$1"/* 2>&1; ls -A "$2" 2>&1',
      'peek',
      shelf.dir,
      workRoot,
    ]);
    expect(run.stdout).not.toContain('deps');
    expect(run.stdout).not.toContain('label.json');
    // Under bubblewrap the work root is an empty folder of the sandbox's own; with a uid, the shelf is root's, 0700.
    expect(run.stdout).toMatch(isolation === 'bubblewrap' ? /No such file/ : /Permission denied/);
  });

  it('places nothing the archive routes through a link, and nothing outside the configured paths', async () => {
    await make([
      { name: 'home/sub/_cacache', type: 'file', body: 'x' },
      { name: 'home/.npm', type: 'symlink', target: 'sub' },
      { name: 'repo/src/index.js', type: 'file', body: 'poisoned' },
    ]);
    const { sandbox, taken } = await task();
    expect(taken).toBeDefined();
    await asTools(sandbox, 'mkdir src && echo original > src/index.js');
    await expect(
      placeSpare(sandbox, SPARE_IN_TOOLS, ['~/.npm/_cacache'], { timeoutMs: 60_000 }),
    ).rejects.toThrow(/the archive routes it through a link/);
    // The spare is gone whatever happened; the source and the home were never touched.
    expect(await asTools(sandbox, 'cat src/index.js; ls -A ..; ls -A "$HOME"')).toBe(
      'original\nhome\nrepo\n.gitconfig\ntmp\n',
    );
  });

  it('refuses a cached path the checkout routes through a link', async () => {
    await make([{ name: 'repo/vendor/cache/a', type: 'file', body: 'x' }]);
    const { sandbox } = await task();
    await asTools(sandbox, 'ln -s "$HOME" vendor');
    await expect(
      placeSpare(sandbox, SPARE_IN_TOOLS, ['vendor/cache'], { timeoutMs: 60_000 }),
    ).rejects.toThrow(CacheArchiveError);
    expect(await asTools(sandbox, 'ls -A "$HOME"')).not.toContain('cache');
  });

  it('an archive that is not one, or names a .. member, makes no spare; its maker leaves nothing', async () => {
    const attempt = (body: Readable) =>
      shelf.make({
        repository: REPOSITORY,
        entry: ENTRY,
        version: 'v1',
        archive: body,
        codec,
        timeoutMs: 60_000,
        sandbox: { isolation },
      });
    await expect(attempt(Readable.from([Buffer.from('not an archive')]))).rejects.toThrow(CacheArchiveError);
    await expect(
      attempt(
        archive([
          { name: 'repo/deps/a', type: 'file', body: 'a' },
          { name: '../../escaped-dotdot', type: 'file', body: 'x' },
        ]),
      ),
    ).rejects.toThrow(/Member name contains/);
    expect(await leftovers([])).toEqual([]);
    expect(await readdir(join(workRoot, '..'))).not.toContain('escaped-dotdot');
    expect(await readdir(shelf.dir)).toEqual([]);
    expect((await task()).taken).toBeUndefined();
  });

  it.runIf(isolation === 'uid' || isRoot)(
    'a task told to stop stops its maker at once: no spare, nothing left',
    async () => {
      // An archive that never ends: the maker's tar waits on it until it is stopped.
      const head = compress(tarArchive([{ name: 'repo/deps/a', type: 'file', body: 'a' }]), codec);
      const body = new Readable({ read() {} });
      body.push(head.subarray(0, Math.floor(head.length / 2)));
      const stopping = new AbortController();
      const made = shelf.make({
        repository: REPOSITORY,
        entry: ENTRY,
        version: 'v1',
        archive: body,
        codec,
        timeoutMs: 120_000,
        sandbox: { isolation },
        signal: stopping.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      stopping.abort();
      await expect(made).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
      body.destroy();
      expect(await leftovers([])).toEqual([]);
      expect(await readdir(shelf.dir)).toEqual([]);
    },
  );

  it('keeps the newest spares only, one per repository', async () => {
    for (const repository of ['1/a/one', '1/a/two', '1/a/three']) {
      await make([{ name: 'repo/deps/a', type: 'file', body: repository }], repository);
    }
    await make([{ name: 'repo/deps/a', type: 'file', body: 'again' }], '1/a/three');
    expect(await readdir(shelf.dir)).toHaveLength(2);
    expect((await task('1/a/one')).taken).toBeUndefined();
    expect((await task('1/a/two')).taken).toBeDefined();
  });
});

describe('the shelf', () => {
  it('is made with the first spare, and never used through a link or a folder not private to us', async () => {
    const workRoot = await mkdtemp(join(tmpdir(), 'nightshift-spares-'));
    try {
      await chmod(workRoot, 0o711);
      const shelf = SpareShelf.open(workRoot, join(workRoot, 'store'), 1);
      expect(await readdir(workRoot)).toEqual([]);
      expect(await shelf.take(REPOSITORY, join(workRoot, 'into'), undefined)).toBeUndefined();

      const elsewhere = join(workRoot, 'elsewhere');
      await mkdir(elsewhere);
      await symlink(elsewhere, shelf.dir);
      const spare = {
        repository: REPOSITORY,
        entry: ENTRY,
        version: 'v1',
        archive: Readable.from([compress(tarArchive([{ name: 'repo/a', type: 'file', body: 'a' }]), codec)]),
        codec,
        timeoutMs: 60_000,
        sandbox: {},
      };
      await expect(shelf.make(spare)).rejects.toThrow(/not a private folder of ours/);
      expect(await readdir(elsewhere)).toEqual([]);
      await rm(shelf.dir);
      await mkdir(shelf.dir, { mode: 0o755 });
      await chmod(shelf.dir, 0o755);
      await expect(shelf.make(spare)).rejects.toThrow(/not a private folder of ours/);
      expect(await shelf.take(REPOSITORY, join(workRoot, 'into'), undefined)).toBeUndefined();
      expect((await lstat(shelf.dir)).isDirectory()).toBe(true);
    } finally {
      await rm(workRoot, { recursive: true, force: true });
    }
  });
});
