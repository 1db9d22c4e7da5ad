/**
 * The setup cache around the setup commands: restore before them, save after they all succeeded
 * and before the agent starts, so nothing the agent does enters the cache. Neither ever fails the
 * task: a store that is down, an archive that will not unpack, a cache too large to keep are each
 * a line in the task's log, and the setup runs as it would without a cache.
 *
 * Which entry: core/setup-cache.ts (the key, the scopes). What the key files are: git's object ids
 * at the commit checked out, read from the supervisor's own repository, never from the checkout.
 * Who touches the files: only the tools (cache-archive.ts).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoConfig } from '../../core/config.js';
import { ECOSYSTEM_FILES, cacheKey, cachePlan, type CachePlan } from '../../core/setup-cache.js';
import type { OwnRepository } from '../own-repository.js';
import type { SandboxOptions, ToolSandbox } from '../sandbox/sandbox.js';
import { toolSandboxOptions, type WorkContext } from '../work-context.js';
import { archiveCodec, packCache, placeSpare, removeSpare, unpackCache } from './cache-archive.js';
import { entryName, type SetupCacheStore } from './cache-store.js';
import { SPARE_IN_TOOLS, type SpareShelf, type TakenSpare } from './setup-spares.js';

export interface SetupCacheDeps {
  store: SetupCacheStore;
  /** The largest archive saved or restored. */
  maxBytes: number;
  /** Paths the tools must not see (a local store's folder): hidden in their sandbox. */
  hidden?: string[];
  /** Entries unpacked ahead of the next task (setup-spares.ts): beside a local store only. */
  spares?: SpareShelf;
}

/** Packing or unpacking may take this long; then it is abandoned (the setup runs as without). */
const ARCHIVE_TIMEOUT_MS = 10 * 60_000;

/** `SETUP_CACHE` in the setup commands' shell: `hit` when the cache was restored. */
export type CacheState = 'hit' | 'miss' | 'off';

export interface CacheSession {
  state: CacheState;
  plan?: CachePlan;
  /** The entry a successful setup saves into (this branch's), when it was not restored. */
  saveAs?: string;
  /** The entry restored. */
  restored?: string;
}

export interface CacheInput {
  own: OwnRepository;
  sandbox: ToolSandbox;
  /** The task's folder (the supervisor's): where an archive is written before it is stored. */
  taskDir: string;
  /** The commit checked out, and the branch it is on (the cache's scope). */
  commit: string;
  scope: string;
  defaultBranch: string;
  /** A merge was made in the checkout before the setup: its files are not the commit's. */
  merged: boolean;
  /** The repository's spare, taken into the tools' folder when it was made (setup-spares.ts). */
  spare?: TakenSpare;
}

export async function restoreSetupCache(
  ctx: WorkContext,
  input: CacheInput,
  config: RepoConfig,
): Promise<CacheSession> {
  const session = await restore(ctx, input, config);
  if (input.spare && !input.spare.used) {
    // Not of the entry restored (another lockfile, or no cache now): its tools delete it meanwhile.
    const removing = removeSpare(input.sandbox, SPARE_IN_TOOLS).catch(() => undefined);
    ctx.cleanup.push(() => removing);
  }
  return session;
}

async function restore(ctx: WorkContext, input: CacheInput, config: RepoConfig): Promise<CacheSession> {
  const cache = ctx.deps.setupCache;
  const off = async (why: string): Promise<CacheSession> => {
    await note(ctx, `setup cache off: ${why}`);
    return { state: 'off' };
  };
  if (config.setup.length === 0 || !config.cache.enabled) return { state: 'off' };
  if (!cache) return off('no cache store in this deployment');
  // Without a sandbox the tools could write the store's folder, and so another repository's cache.
  if (input.sandbox.isolation === 'none') return off('the tools are not isolated on this machine');
  if (input.merged) return off('the base branch was merged into the checkout first');
  try {
    const present = new Set((await treeEntries(input.own, input.commit, ECOSYSTEM_FILES)).keys());
    const plan = cachePlan(config.cache, config.setup, present);
    if (!plan) return off('nothing to cache (no lockfile found and no cache.paths)');
    const ids = await treeEntries(input.own, input.commit, plan.keyFiles);
    const material = {
      installationId: ctx.record.task.installationId,
      repository: ctx.record.task.repository,
      setup: config.setup,
      paths: plan.paths,
      keyFiles: plan.keyFiles.flatMap((file): Array<[string, string | null]> => {
        const under = [...ids].filter(([path]) => path === file || path.startsWith(`${file}/`));
        return under.length ? under : [[file, null]];
      }),
      platform: `${process.platform}-${process.arch}-node${process.versions.node.split('.')[0]}-${archiveCodec()}`,
    };
    const name = (scope: string) => entryName(cacheKey({ ...material, scope }), archiveCodec());
    const saveAs = name(input.scope);
    const scopes = [input.scope, ...(input.scope === input.defaultBranch ? [] : [input.defaultBranch])];
    for (const scope of scopes) {
      const from = scope === input.scope ? 'this branch' : scope;
      let restored: string[] | undefined;
      try {
        restored = await restoreEntry(ctx, cache, input, name(scope), plan);
      } catch (error) {
        // Unusable (the store is down, the archive broken): the setup starts from scratch, and a
        // successful one replaces the entry.
        ctx.log.warn({ err: error }, 'setup cache restore failed');
        await note(
          ctx,
          `setup cache: restoring ${from}'s entry failed (${message(error)}); the setup runs without it`,
        );
        return { state: 'miss', plan, saveAs };
      }
      if (restored === undefined) continue;
      const ahead = input.spare?.used ? ' (unpacked ahead)' : '';
      await note(
        ctx,
        `setup cache: restored ${restored.join(', ') || 'nothing'} from ${from}'s entry${ahead}`,
      );
      return restored.length
        ? { state: 'hit', plan, restored: name(scope) }
        : { state: 'miss', plan, saveAs };
    }
    await note(ctx, `setup cache: no entry yet for ${plan.paths.join(', ')} (${plan.source})`);
    return { state: 'miss', plan, saveAs };
  } catch (error) {
    ctx.log.warn({ err: error }, 'setup cache off');
    return off(`its key could not be made (${message(error)})`);
  }
}

/**
 * One entry, if the store has it: its restored paths; undefined when there is none. From the spare
 * the task took when it is of this entry, as the store still has it; else from the archive.
 */
async function restoreEntry(
  ctx: WorkContext,
  cache: SetupCacheDeps,
  input: CacheInput,
  name: string,
  plan: CachePlan,
): Promise<string[] | undefined> {
  const { spare, sandbox } = input;
  if (spare && !spare.used && spare.entry === name && spare.version === (await cache.store.version?.(name))) {
    spare.used = true;
    ctx.log.info({ entry: name }, 'restoring the setup cache from its spare');
    return placeSpare(sandbox, SPARE_IN_TOOLS, plan.paths, { timeoutMs: ARCHIVE_TIMEOUT_MS });
  }
  const entry = await cache.store.get(name, cache.maxBytes);
  if (!entry) return undefined;
  ctx.log.info({ entry: name, bytes: entry.bytes, store: cache.store.kind }, 'restoring the setup cache');
  return unpackCache(sandbox, plan.paths, entry.body, {
    timeoutMs: ARCHIVE_TIMEOUT_MS,
    codec: archiveCodec(),
  });
}

/**
 * After a setup that succeeded, on a miss: the tools pack the cached paths, and we store that.
 * Returns the entry saved.
 */
export async function saveSetupCache(
  ctx: WorkContext,
  input: CacheInput,
  session: CacheSession,
): Promise<string | undefined> {
  const cache = ctx.deps.setupCache;
  if (!cache || !session.plan || !session.saveAs) return undefined;
  const file = join(input.taskDir, 'setup-cache.archive');
  try {
    const { bytes } = await packCache(input.sandbox, session.plan.paths, file, {
      maxBytes: cache.maxBytes,
      timeoutMs: ARCHIVE_TIMEOUT_MS,
      codec: archiveCodec(),
    });
    if (bytes === 0) {
      await note(ctx, `setup cache: nothing to save (${session.plan.paths.join(', ')} not found)`);
      return undefined;
    }
    await cache.store.put(session.saveAs, file, bytes);
    await note(ctx, `setup cache: saved ${session.plan.paths.join(', ')} (${megabytes(bytes)})`);
    return session.saveAs;
  } catch (error) {
    ctx.log.warn({ err: error }, 'setup cache save failed');
    await note(ctx, `setup cache: not saved (${message(error)})`);
    return undefined;
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * The `fill` of the task's sandbox (sandbox.ts) that takes the repository's spare into the new
 * tools' folder, and, once the sandbox is made, what it took.
 */
export function takeSpare(ctx: WorkContext): { fill?: SandboxOptions['fill']; taken?: TakenSpare } {
  const spares = ctx.deps.setupCache?.spares;
  const held: { fill?: SandboxOptions['fill']; taken?: TakenSpare } = {};
  if (!spares) return held;
  const { installationId, repository } = ctx.record.task;
  held.fill = async (dir, owner) => {
    const taken = await spares.take(`${installationId}/${repository}`, join(dir, SPARE_IN_TOOLS), owner);
    if (taken) held.taken = taken;
  };
  return held;
}

/**
 * After a setup that succeeded with `entry` (restored or just saved): a spare of it for the
 * repository's next task, made while this one goes on; the task's end waits for it.
 */
export function makeNextSpare(ctx: WorkContext, entry: string | undefined): void {
  const cache = ctx.deps.setupCache;
  const spares = cache?.spares;
  if (!cache || !spares || !entry || !cache.store.version) return;
  const { installationId, repository } = ctx.record.task;
  const making = (async () => {
    const version = await cache.store.version?.(entry);
    const key = `${installationId}/${repository}`;
    // Another task of the repository (at the same time) may have made this one already.
    if (!version || (await spares.has(key, entry, version))) return false;
    const got = await cache.store.get(entry, cache.maxBytes);
    if (!got) return false;
    await spares.make({
      repository: key,
      entry,
      version,
      archive: got.body,
      codec: archiveCodec(),
      timeoutMs: ARCHIVE_TIMEOUT_MS,
      sandbox: toolSandboxOptions(ctx.deps),
      ...(ctx.deps.stop ? { signal: ctx.deps.stop } : {}),
    });
    return true;
  })().then(
    (made) => made && ctx.log.info({ entry }, 'setup spare made for the next task'),
    (error: unknown) => ctx.log.warn({ err: error }, 'setup spare not made'),
  );
  ctx.cleanup.push(() => making);
}

/**
 * Git's object id of each blob at or under `paths` at `commit`, from our own repository (trees
 * only: a partial clone answers without fetching blobs). A path that is absent is not in the map.
 */
async function treeEntries(
  own: OwnRepository,
  commit: string,
  paths: readonly string[],
): Promise<Map<string, string>> {
  if (paths.length === 0) return new Map();
  const { stdout } = await own.git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...paths], {
    env: { GIT_LITERAL_PATHSPECS: '1' },
  });
  const entries = new Map<string, string>();
  for (const line of stdout.split('\0')) {
    const match = /^\d+ \w+ ([0-9a-f]+)\t(.+)$/s.exec(line);
    if (match?.[1] && match[2]) entries.set(match[2], match[1]);
  }
  return entries;
}

function note(ctx: WorkContext, text: string): Promise<void> {
  return ctx.deps.store.appendLog(ctx.record.task.id, 'setup', text).catch(() => undefined);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function megabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
