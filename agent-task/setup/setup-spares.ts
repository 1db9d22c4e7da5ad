/**
 * Setup spares: a setup cache entry unpacked ahead of the next task, so that its restore moves a
 * folder instead of creating thousands of files (on a disk where each create waits, that is most
 * of a warm setup). Only beside a local store (`npm start`): on AWS each task has a new container.
 *
 * After a setup that restored or saved an entry, the task has a spare made in the background: a
 * sandbox of its own (a uid of its own, a task folder in the work root, so leftovers.ts removes it
 * if the process dies) extracts the entry's archive, its processes are stopped, and its folder is
 * renamed onto the shelf (`<work root>/nightshift-setup-spares-<store>/`, 0700: no tool can walk to
 * it), one spare per repository, the newest kept. The next task of the repository takes it while
 * its own tools' folder is being made, before any tool process exists (sandbox.ts `fill`): chowned
 * to its tools' uid where it still lies on the shelf, then renamed into that folder. Its setup
 * places the spare's members with the checks of an unpack (cache-archive.ts `placeSpare`) when the
 * spare is of the entry it would restore, still the same in the store; otherwise its tools delete it.
 *
 * Nothing here acts by path on what a task's tools control: the shelf is the supervisor's, and a
 * spare on it is inert (its maker's processes are gone, nothing else can reach it).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import {
  createSandbox,
  disposeSandbox,
  stopTools,
  type SandboxOptions,
  type ToolSandbox,
} from '../sandbox/sandbox.js';
import { makeTaskDir } from '../task-folder.js';
import { extractSpare } from './cache-archive.js';

const exec = promisify(execFile);

/** Where a taken spare goes in the tools' folder (relative to it). */
export const SPARE_IN_TOOLS = 'setup-spare';

/** The spare a task took: the entry it was made of, and that entry's version in the store then. */
export interface TakenSpare {
  entry: string;
  version: string;
  /** Set once the setup placed it (or tried to): the tools' folder no longer holds it. */
  used?: boolean;
}

export interface MakeSpareInput {
  /** The installation and repository the spare is for (one spare per repository). */
  repository: string;
  entry: string;
  version: string;
  archive: Readable;
  codec: 'zstd' | 'gzip';
  timeoutMs: number;
  /** How the maker's sandbox is made: as the tasks' (isolation, uid range, hidden paths). */
  sandbox: Omit<SandboxOptions, 'taskDir'>;
  /** The task is told to stop (SIGTERM): the maker's processes are stopped, no spare is made. */
  signal?: AbortSignal;
}

export class SpareShelf {
  private constructor(
    readonly dir: string,
    private readonly workRoot: string,
    private readonly keep: number,
  ) {}

  /** Where the shelf of the store at `storeDir` is: in `workRoot`, beside task folders (rename works). */
  static dirFor(workRoot: string, storeDir: string): string {
    return join(workRoot, `nightshift-setup-spares-${digest(storeDir).slice(0, 12)}`);
  }

  /** The shelf of the store at `storeDir`; its folder is made with the first spare. */
  static open(workRoot: string, storeDir: string, keep: number): SpareShelf {
    return new SpareShelf(SpareShelf.dirFor(workRoot, storeDir), workRoot, keep);
  }

  /** The shelf's folder is ours and private (a link or another's folder planted there is not used). */
  private async ours(create: boolean): Promise<boolean> {
    if (create) await mkdir(this.dir, { mode: 0o700 }).catch(() => undefined);
    const info = await lstat(this.dir).catch(() => undefined);
    return !!info?.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o077) === 0;
  }

  /**
   * Move this repository's spare, if there is one, to `into` (a new path in a fresh tools' folder),
   * owned by `owner`. Never throws: a spare that cannot be taken is no spare.
   */
  async take(
    repository: string,
    into: string,
    owner: { uid: number; gid: number } | undefined,
  ): Promise<TakenSpare | undefined> {
    if (!(await this.ours(false))) return undefined;
    const taken = join(this.dir, `.taken-${randomBytes(6).toString('hex')}`);
    // The rename is the claim: of two tasks at once, one gets it and the other ENOENT.
    if (!(await rename(join(this.dir, slot(repository)), taken).then(yes, no))) return undefined;
    try {
      const label = JSON.parse(await readFile(join(taken, 'label.json'), 'utf8')) as TakenSpare;
      const tree = join(taken, 'tools');
      if (!(await lstat(tree)).isDirectory()) return undefined;
      // Still on the shelf, where nothing but us can reach it: `-h` changes links, never what they name.
      if (owner) await exec('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, '--', tree]);
      await rename(tree, into);
      return { entry: String(label.entry), version: String(label.version) };
    } catch {
      return undefined;
    } finally {
      await rm(taken, { recursive: true, force: true });
    }
  }

  /** Whether the repository's spare is already of `entry` as the store has it (nothing to make). */
  async has(repository: string, entry: string, version: string): Promise<boolean> {
    if (!(await this.ours(false))) return false;
    const label = await readFile(join(this.dir, slot(repository), 'label.json'), 'utf8').then(
      (text) => JSON.parse(text) as Partial<TakenSpare>,
      () => undefined,
    );
    return label?.entry === entry && label.version === version;
  }

  /** Make a spare of `input.entry` for the repository's next task; throws when it could not be made. */
  async make(input: MakeSpareInput): Promise<void> {
    if (!(await this.ours(true))) throw new Error(`${this.dir} is not a private folder of ours`);
    const makerDir = await makeTaskDir(this.workRoot);
    let sandbox: ToolSandbox | undefined;
    const making = join(this.dir, `.making-${randomBytes(6).toString('hex')}`);
    const stop = () => void (sandbox && stopTools(sandbox));
    input.signal?.addEventListener('abort', stop, { once: true });
    try {
      sandbox = await createSandbox({ ...input.sandbox, taskDir: makerDir });
      if (input.signal?.aborted) throw new Error('the task is stopping');
      await extractSpare(sandbox, input.archive, { codec: input.codec, timeoutMs: input.timeoutMs });
      if (input.signal?.aborted) throw new Error('the task is stopping');
      // The maker's processes are gone before its folder goes on the shelf: from here on it is inert.
      await stopTools(sandbox);
      await mkdir(making, { mode: 0o700 });
      await rename(sandbox.dir, join(making, 'tools'));
      const label = { entry: input.entry, version: input.version };
      await writeFile(join(making, 'label.json'), JSON.stringify(label), { mode: 0o600 });
      const target = join(this.dir, slot(input.repository));
      const old = join(this.dir, `.old-${randomBytes(6).toString('hex')}`);
      await rename(target, old).catch(() => undefined);
      await rename(making, target);
      await rm(old, { recursive: true, force: true });
    } finally {
      input.signal?.removeEventListener('abort', stop);
      await rm(making, { recursive: true, force: true });
      if (sandbox) await removeMaker(sandbox);
      await rmdir(makerDir).catch(() => undefined);
    }
    await this.prune();
  }

  /** Keep the newest `keep` spares; what an ended take or make left behind goes too. */
  async prune(now = Date.now()): Promise<void> {
    const spares: Array<{ path: string; made: number }> = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const path = join(this.dir, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isDirectory()) continue;
      if (name.startsWith('.')) {
        if (now - info.mtimeMs > 60 * 60_000) await rm(path, { recursive: true, force: true });
        continue;
      }
      spares.push({ path, made: info.mtimeMs });
    }
    const old = spares.sort((a, b) => b.made - a.made).slice(this.keep);
    for (const spare of old) await rm(spare.path, { recursive: true, force: true });
  }
}

/** A maker that failed before its folder went on the shelf: its tools remove their own files. */
async function removeMaker(sandbox: ToolSandbox): Promise<void> {
  if (await lstat(sandbox.dir).then(yes, no)) await disposeSandbox(sandbox);
  else await sandbox.identity?.release();
}

function slot(repository: string): string {
  return digest(repository).slice(0, 32);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const yes = () => true;
const no = () => false;
