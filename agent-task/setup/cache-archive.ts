/**
 * Packing and unpacking the setup cache, done BY THE TOOLS, in their sandbox, as their uid: the
 * supervisor never reads, writes or follows a path in their folder. Packing prints the archive
 * on stdout into a file of the supervisor's own (as the agent's patch is exported); unpacking
 * reads the archive, data of ours, on stdin.
 *
 * Unpacking never extracts into the checkout directly. tar extracts into a fresh, empty folder
 * in the tools' temp folder; then only the configured paths are moved into place, each only when
 * neither the archive nor the checkout routes its parent folder through a symlink. So whatever
 * the archive holds (members outside the cached paths, `..`, absolute names, links to elsewhere
 * followed by files "inside" them) lands in that folder or nowhere, and it is removed after.
 * GNU tar itself refuses `..` members, strips leading `/`, and turns links to absolute or `..`
 * targets into placeholders until the end; and the sandbox makes everything outside the tools'
 * folder read-only anyway. A spare (setup-spares.ts) is the same extraction made ahead of the
 * task, by tools of its own; its members are placed with the same checks.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { splitCachePath } from '../../core/setup-cache.js';
import { runTool, type ToolRun } from '../sandbox/run-tool.js';
import type { ToolSandbox } from '../sandbox/sandbox.js';

/** How archives are compressed here: zstd when installed (several times faster), else gzip. */
export function archiveCodec(path = process.env.PATH ?? ''): 'zstd' | 'gzip' {
  return path.split(delimiter).some((dir) => dir && existsSync(join(dir, 'zstd'))) ? 'zstd' : 'gzip';
}

/** Each cached path as the archive names it: `repo/<path>` or `home/<path>` (from `~/<path>`). */
function members(paths: readonly string[]): string[] {
  return paths.map((path) => {
    const { root, rel } = splitCachePath(path);
    return `${root}/${rel}`;
  });
}

/**
 * Only literal paths: a member counts when it exists and no folder above it (below the tools'
 * folder) is a symlink, so tar never reads through a link out of the tools' folder.
 * `$1` is the tools' folder; exit 3 means none of the paths exist.
 */
const PACK = `
set -eu
cd -- "$1"; shift
top=$(pwd -P)
literal() { parent=$(dirname -- "$1"); [ "$(realpath -e -- "$parent" 2>/dev/null)" = "$top/$parent" ]; }
list=$(mktemp)
for p in "$@"; do
  if { [ -e "$p" ] || [ -L "$p" ]; } && literal "$p"; then printf '%s\\0' "$p" >> "$list"; fi
done
[ -s "$list" ] || { rm -f -- "$list"; exit 3; }
tar --create --file=- --$CODEC --null --files-from="$list" --numeric-owner --no-xattrs --no-acls --no-selinux
rm -f -- "$list"
`;

/** tar into `$stage`, a fresh folder: nothing of ours is in it, nothing in it is kept but members. */
const EXTRACT = `
tar --extract --file=- --$CODEC --directory="$stage" --no-same-owner --no-same-permissions \\
  --no-overwrite-dir --delay-directory-restore --no-xattrs --no-acls --no-selinux
`;

/**
 * Members (`$@`: `repo/…`, `home/…`) moved from `$stage` into place under `$top`, the tools'
 * folder (the working directory). Prints `restored <m>` or `kept <m>` for each; exits 4 when the
 * stage or the checkout routes a path through a link.
 */
const PLACE = `
real=$(cd -- "$stage" && pwd -P)
for m in "$@"; do
  { [ -e "$stage/$m" ] || [ -L "$stage/$m" ]; } || continue
  parent=$(dirname -- "$m")
  [ "$(realpath -e -- "$stage/$parent")" = "$real/$parent" ] || { echo "refused $m: the archive routes it through a link" >&2; exit 4; }
  mkdir -p -- "$parent"
  [ "$(realpath -e -- "$parent")" = "$top/$parent" ] || { echo "refused $m: the checkout routes it through a link" >&2; exit 4; }
  if [ -e "$m" ] || [ -L "$m" ]; then
    rmdir -- "$m" 2>/dev/null || { echo "kept $m"; continue; }
  fi
  mv -T -- "$stage/$m" "$m"
  echo "restored $m"
done
`;

/** `$1` is the tools' folder; the rest are members. The archive, on stdin, goes into a scratch folder. */
const UNPACK = `
set -eu
cd -- "$1"; shift
top=$(pwd -P)
stage=$(mktemp -d)
trap 'chmod -R u+rwX -- "$stage" 2>/dev/null; rm -rf -- "$stage"' EXIT
${EXTRACT}
${PLACE}
`;

/** `$1` is the tools' folder: the archive, on stdin, is extracted into its new `stage/` (a spare). */
const EXTRACT_SPARE = `
set -eu
cd -- "$1"
mkdir -- stage
stage=$(pwd -P)/stage
${EXTRACT}
`;

/**
 * `$1` is the tools' folder, `$2` the spare in it (setup-spares.ts), the rest are members: placed
 * from the spare's `stage/` when the spare is a real folder of theirs; the spare is removed after.
 */
const PLACE_SPARE = `
set -eu
cd -- "$1"; spare=$2; shift 2
top=$(pwd -P)
trap 'chmod -R u+rwX -- "$spare" 2>/dev/null; rm -rf -- "$spare"' EXIT
[ "$(realpath -e -- "$spare/stage")" = "$top/$spare/stage" ] || { echo "refused: the spare is not a folder here" >&2; exit 4; }
stage=$spare/stage
${PLACE}
`;

export interface PackResult {
  /** Bytes written; 0 when none of the paths existed (nothing to save). */
  bytes: number;
}

export class CacheArchiveError extends Error {
  override readonly name = 'CacheArchiveError';
}

function why(run: ToolRun): string {
  if (run.timedOut) return 'timed out';
  const said = run.stderr.trim().split('\n').slice(-3).join(' | ');
  return `exit ${run.code}${said ? `: ${said}` : ''}`;
}

/** Archive `paths` as the tools into `file` (a new file of the supervisor's own), at most `maxBytes`. */
export async function packCache(
  sandbox: ToolSandbox,
  paths: readonly string[],
  file: string,
  options: { maxBytes: number; timeoutMs: number; codec: 'zstd' | 'gzip' },
): Promise<PackResult> {
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  const run = await runTool(sandbox, ['/bin/sh', '-c', PACK, 'pack', sandbox.dir, ...members(paths)], {
    cwd: sandbox.dir,
    env: { CODEC: options.codec },
    stdout: out,
    maxBytes: options.maxBytes,
    timeoutMs: options.timeoutMs,
  });
  if (run.code === 3) return { bytes: 0 };
  if (run.overflow) {
    throw new CacheArchiveError(`the cache is larger than ${Math.round(options.maxBytes / 2 ** 20)} MiB`);
  }
  if (run.code !== 0 || run.timedOut) throw new CacheArchiveError(`packing failed (${why(run)})`);
  return { bytes: run.bytes };
}

/**
 * Unpack `archive` as the tools and move the configured `paths` into place. Returns the paths
 * restored; paths the checkout already has are kept as they are.
 */
export async function unpackCache(
  sandbox: ToolSandbox,
  paths: readonly string[],
  archive: Readable,
  options: { timeoutMs: number; codec: 'zstd' | 'gzip' },
): Promise<string[]> {
  const run = await withArchive(archive, (stdin) =>
    runTool(sandbox, ['/bin/sh', '-c', UNPACK, 'unpack', sandbox.dir, ...members(paths)], {
      cwd: sandbox.dir,
      env: { CODEC: options.codec },
      stdin,
      timeoutMs: options.timeoutMs,
    }),
  );
  if (run.code !== 0 || run.timedOut) throw new CacheArchiveError(`unpacking failed (${why(run)})`);
  return restoredPaths(run, paths);
}

/** Extract `archive` as the tools into `stage/` of their folder: what a spare is made of. */
export async function extractSpare(
  sandbox: ToolSandbox,
  archive: Readable,
  options: { timeoutMs: number; codec: 'zstd' | 'gzip' },
): Promise<void> {
  const run = await withArchive(archive, (stdin) =>
    runTool(sandbox, ['/bin/sh', '-c', EXTRACT_SPARE, 'extract', sandbox.dir], {
      cwd: sandbox.dir,
      env: { CODEC: options.codec },
      stdin,
      timeoutMs: options.timeoutMs,
    }),
  );
  if (run.code !== 0 || run.timedOut) throw new CacheArchiveError(`extracting failed (${why(run)})`);
}

/**
 * Move the configured `paths` into place from a spare in the tools' folder (`spare`, relative to
 * it), as the tools, with the same checks as unpacking; the spare is gone after, whatever happens.
 */
export async function placeSpare(
  sandbox: ToolSandbox,
  spare: string,
  paths: readonly string[],
  options: { timeoutMs: number },
): Promise<string[]> {
  const run = await runTool(
    sandbox,
    ['/bin/sh', '-c', PLACE_SPARE, 'place', sandbox.dir, spare, ...members(paths)],
    { cwd: sandbox.dir, timeoutMs: options.timeoutMs },
  );
  if (run.code !== 0 || run.timedOut) throw new CacheArchiveError(`placing failed (${why(run)})`);
  return restoredPaths(run, paths);
}

/** A spare the tools did not use, removed as them (so no link in it can turn the deletion). */
export async function removeSpare(sandbox: ToolSandbox, spare: string): Promise<void> {
  const script = 'cd -- "$1" && chmod -R u+rwX -- "$2" 2>/dev/null; rm -rf -- "$2"';
  await runTool(sandbox, ['/bin/sh', '-c', script, 'remove', sandbox.dir, spare], { cwd: sandbox.dir });
}

/** Run `use` with the archive as stdin; a read error of the archive is the failure reported. */
async function withArchive(archive: Readable, use: (stdin: Readable) => Promise<ToolRun>): Promise<ToolRun> {
  let readError: Error | undefined;
  archive.once('error', (error) => (readError = error));
  const run = await use(archive);
  if (readError) throw new CacheArchiveError(`reading the cache failed: ${readError.message}`);
  return run;
}

function restoredPaths(run: ToolRun, paths: readonly string[]): string[] {
  const restored = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('restored '))
    .map((line) => line.slice('restored '.length));
  const byMember = new Map(members(paths).map((m, i) => [m, paths[i]!]));
  return restored.map((m) => byMember.get(m) ?? m);
}
