/**
 * Packing and unpacking the setup cache as the tools, in their real sandbox, with honest and
 * hostile archives: whatever an archive holds, nothing lands outside the configured paths of the
 * tools' own folder, and the supervisor never touches a path in it.
 */
import { createReadStream } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runTool } from '../../../agent-task/sandbox/run-tool.js';
import type { Isolation, ToolSandbox } from '../../../agent-task/sandbox/sandbox.js';
import {
  archiveCodec,
  CacheArchiveError,
  packCache,
  unpackCache,
} from '../../../agent-task/setup/cache-archive.js';
import { disposeTestSandbox, testSandbox } from '../../support/sandbox.js';
import { compress, tarArchive, type TarEntry } from '../../support/tar-fixture.js';

const isRoot = process.getuid?.() === 0;
const ISOLATIONS: Isolation[] = isRoot ? ['bubblewrap', 'uid'] : ['bubblewrap'];
const codec = archiveCodec();
const options = { timeoutMs: 60_000, codec };

describe.each(ISOLATIONS)('the setup cache archive (%s)', (isolation) => {
  const sandboxes: ToolSandbox[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    for (const s of sandboxes.splice(0)) await disposeTestSandbox(s).catch(() => undefined);
    for (const f of folders.splice(0)) await rm(f, { recursive: true, force: true });
  });

  async function sandbox(): Promise<ToolSandbox> {
    const made = await testSandbox({ isolation });
    sandboxes.push(made);
    return made;
  }

  /** A shell command as the tools, in the checkout; its stdout. */
  async function asTools(s: ToolSandbox, script: string): Promise<string> {
    const run = await runTool(s, ['/bin/sh', '-c', script]);
    if (run.code !== 0) throw new Error(`${script}: ${run.stderr}`);
    return run.stdout;
  }

  /** A folder outside the tools' folder that anybody could write: what an escape would reach. */
  async function victim(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'nightshift-victim-'));
    await chmod(dir, 0o777);
    folders.push(dir);
    return dir;
  }

  async function archiveFile(s: ToolSandbox, paths: string[]): Promise<{ file: string; bytes: number }> {
    const dir = await mkdtemp(join(tmpdir(), 'nightshift-archive-'));
    folders.push(dir);
    const file = join(dir, 'cache.archive');
    const { bytes } = await packCache(s, paths, file, { ...options, maxBytes: 64 * 2 ** 20 });
    return { file, bytes };
  }

  function hostile(entries: TarEntry[]): Readable {
    return Readable.from([compress(tarArchive(entries), codec)]);
  }

  it('packs the configured paths of the checkout and the home, and restores them in another task', async () => {
    const first = await sandbox();
    await asTools(
      first,
      'mkdir -p node_modules/left-pad/bin "$HOME/.npm/_cacache" && echo pad > node_modules/left-pad/index.js && ' +
        'printf "#!/bin/sh\\necho run\\n" > node_modules/left-pad/bin/cli && chmod +x node_modules/left-pad/bin/cli && ' +
        'ln -s ../left-pad/bin/cli node_modules/left-pad/link && echo blob > "$HOME/.npm/_cacache/entry" && echo src > app.js',
    );
    const { file, bytes } = await archiveFile(first, ['node_modules', '~/.npm/_cacache', 'missing']);
    expect(bytes).toBeGreaterThan(0);

    const second = await sandbox();
    const restored = await unpackCache(
      second,
      ['node_modules', '~/.npm/_cacache', 'missing'],
      createReadStream(file),
      options,
    );
    expect(restored).toEqual(['node_modules', '~/.npm/_cacache']);
    expect(
      await asTools(
        second,
        'cat node_modules/left-pad/index.js "$HOME/.npm/_cacache/entry"; node_modules/left-pad/link',
      ),
    ).toBe('pad\nblob\nrun\n');
    // Only what was configured: the checkout's own files are not in the cache.
    expect(await asTools(second, 'ls')).not.toContain('app.js');
  });

  it('saves nothing when no configured path exists, and refuses a cache over the size limit', async () => {
    const s = await sandbox();
    expect((await archiveFile(s, ['node_modules'])).bytes).toBe(0);
    await asTools(s, 'mkdir node_modules && head -c 3000000 /dev/urandom > node_modules/big');
    const dir = await mkdtemp(join(tmpdir(), 'nightshift-archive-'));
    folders.push(dir);
    await expect(
      packCache(s, ['node_modules'], join(dir, 'a'), { ...options, maxBytes: 1_000_000 }),
    ).rejects.toThrow(/larger than/);
  });

  it('does not pack through a folder the repository made a link to somewhere else', async () => {
    const outside = await victim();
    await writeFile(join(outside, 'secret'), 'not yours');
    await chmod(join(outside, 'secret'), 0o644);
    const s = await sandbox();
    await asTools(s, `ln -s ${outside} vendor`);
    expect((await archiveFile(s, ['vendor/secret'])).bytes).toBe(0);
  });

  it('extracts nothing outside the tools folder: .. members, absolute names, links out followed by files', async () => {
    const outside = await victim();
    const s = await sandbox();
    const attempt = hostile([
      { name: 'repo/node_modules/', type: 'dir' },
      { name: 'repo/node_modules/up', type: 'symlink', target: '../../..' },
      { name: 'repo/node_modules/up/escaped-up', type: 'file', body: 'x' },
      { name: 'repo/node_modules/out', type: 'symlink', target: outside },
      { name: 'repo/node_modules/out/escaped-abs', type: 'file', body: 'x' },
      { name: '../../escaped-dotdot', type: 'file', body: 'x' },
      { name: `${outside}/escaped-absname`, type: 'file', body: 'x' },
    ]);
    await expect(unpackCache(s, ['node_modules'], attempt, options)).rejects.toThrow(CacheArchiveError);
    expect(await readdir(outside)).toEqual([]);
    // The task's folder (root's) and the tools' folder hold nothing new either.
    const taskDir = join(s.dir, '..');
    expect((await readdir(taskDir)).sort()).toEqual(['tools']);
    expect((await readdir(s.dir)).sort()).toEqual(['home', 'repo']);
    expect(await asTools(s, 'ls -A; ls -A "$HOME/tmp"')).toBe('');
  });

  it('moves only the configured paths: members for the source, .git or the home are left behind', async () => {
    const s = await sandbox();
    await asTools(s, 'mkdir -p src .git/hooks && echo original > src/index.js');
    const restored = await unpackCache(
      s,
      ['node_modules'],
      hostile([
        { name: 'repo/node_modules/ok.js', type: 'file', body: 'ok' },
        { name: 'repo/src/index.js', type: 'file', body: 'poisoned' },
        { name: 'repo/.git/hooks/pre-commit', type: 'file', body: '#!/bin/sh\necho pwned', mode: 0o755 },
        { name: 'home/.gitconfig', type: 'file', body: '[core]\n\tfsmonitor = echo pwned' },
      ]),
      options,
    );
    expect(restored).toEqual(['node_modules']);
    expect(await asTools(s, 'cat src/index.js node_modules/ok.js; ls -A .git/hooks')).toBe('original\nok');
    expect(await asTools(s, 'cat "$HOME/.gitconfig"')).not.toContain('pwned');
  });

  it('keeps a link the archive makes as a link: files written "through" it stay in the scratch folder', async () => {
    const s = await sandbox();
    await asTools(s, 'mkdir src && echo original > src/index.js');
    const restored = await unpackCache(
      s,
      ['node_modules'],
      hostile([
        { name: 'repo/src/', type: 'dir' },
        { name: 'repo/node_modules', type: 'symlink', target: 'src' },
        { name: 'repo/node_modules/index.js', type: 'file', body: 'poisoned' },
      ]),
      options,
    );
    expect(restored).toEqual(['node_modules']);
    expect(await asTools(s, 'cat src/index.js; readlink node_modules')).toBe('original\nsrc\n');
  });

  it('refuses a cached path the archive or the checkout routes through a link', async () => {
    const outside = await victim();
    const s = await sandbox();
    await expect(
      unpackCache(
        s,
        ['~/.npm/_cacache'],
        hostile([
          { name: 'home/.npm', type: 'symlink', target: outside },
          { name: 'home/.npm/_cacache', type: 'file', body: 'x' },
        ]),
        options,
      ),
    ).rejects.toThrow(CacheArchiveError);
    // A repository whose checkout has vendor -> elsewhere: nothing is moved there. (Under
    // bubblewrap the link dangles, /tmp being the sandbox's own; with a uid it is refused.)
    await asTools(s, `ln -s ${outside} vendor`);
    await expect(
      unpackCache(
        s,
        ['vendor/cache'],
        hostile([{ name: 'repo/vendor/cache', type: 'file', body: 'x' }]),
        options,
      ),
    ).rejects.toThrow(isolation === 'uid' ? /through a link/ : /File exists/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('leaves what the checkout already has, and fails cleanly on an archive that is not one', async () => {
    const s = await sandbox();
    await asTools(s, 'mkdir node_modules && echo committed > node_modules/keep');
    const restored = await unpackCache(
      s,
      ['node_modules'],
      hostile([{ name: 'repo/node_modules/other', type: 'file', body: 'x' }]),
      options,
    );
    expect(restored).toEqual([]);
    expect(await asTools(s, 'ls node_modules')).toBe('keep\n');
    await expect(
      unpackCache(s, ['node_modules'], Readable.from([Buffer.from('not an archive')]), options),
    ).rejects.toThrow(CacheArchiveError);
    expect((await stat(s.workspace)).isDirectory()).toBe(true);
  });
});
