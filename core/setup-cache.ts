/**
 * The setup cache's pure decisions: which paths a repository caches (its `cache` settings, or the
 * defaults its lockfiles suggest), which paths are acceptable at all, and the key an archive is
 * stored under. The I/O (packing in the sandbox, the store) is in agent-task/setup/.
 *
 * Whose cache is whose: the key covers the installation, the repository, the branch the setup ran
 * on (the scope), the setup commands, the cached paths, the content of the key files at the commit
 * checked out, and the platform. A task restores its own scope's entry, or else its repository's
 * default branch's; it saves only into its own scope. So a pull request's branch (whose
 * package.json scripts or .npmrc may differ behind the same lockfile) can read what the default
 * branch's setup made but never write what a default-branch task restores, and no repository can
 * ever name another's entry.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const CHECKOUT_PATH_TITLE = 'path inside the repository';
export const CACHE_PATH_TITLE = 'path inside the repository or ~/';

/** A path inside the checkout: relative, plain segments, no `..`, nothing under `.git`. */
export const checkoutPath = z
  .string()
  .min(1)
  .max(200)
  .refine((path) => pathProblem(path) === undefined, {
    message: 'must be a plain relative path inside the repository (no leading /, no .., not .git)',
  })
  .meta({ title: CHECKOUT_PATH_TITLE, examples: ['package-lock.json'] });

/** A cached path: inside the checkout, or inside the tools' home when it starts with `~/`. */
export const cachePath = z
  .string()
  .min(1)
  .max(200)
  .refine((path) => cachePathProblem(path) === undefined, {
    message: 'must be a plain relative path inside the repository or ~/ (no leading /, no .., not .git)',
  })
  .meta({ title: CACHE_PATH_TITLE, examples: ['node_modules'] });

/** Why `path` cannot be a cached path, or undefined when it can. */
export function cachePathProblem(path: string): string | undefined {
  const { rel } = splitCachePath(path);
  return pathProblem(rel);
}

/** Where a cached path lives: the checkout (`repo`) or the tools' home (`home`, for `~/…`). */
export function splitCachePath(path: string): { root: 'repo' | 'home'; rel: string } {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.startsWith('~/') ? { root: 'home', rel: trimmed.slice(2) } : { root: 'repo', rel: trimmed };
}

/** Why `path` is not a plain relative path inside its root, or undefined when it is. */
function pathProblem(path: string): string | undefined {
  if (path.startsWith('/') || path.startsWith('~') || /^[A-Za-z]:/.test(path)) return 'an absolute path';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return 'control characters or a backslash';
  const segments = path.replace(/\/+$/, '').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'an empty, . or .. segment';
  if (segments[0]?.toLowerCase() === '.git') return 'inside .git';
  return undefined;
}

export const cacheSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe('Cache what the setup commands produce, keyed by the lockfiles; false turns it off.'),
    paths: z
      .array(cachePath)
      .min(1)
      .max(20)
      .optional()
      .describe(
        "Paths saved after a successful setup and restored before it: inside the repository, or in the tools' home as ~/path. Default: by the lockfiles found (npm: ~/.npm/_cacache; pnpm: its store; yarn: node_modules and ~/.cache/yarn; pip: ~/.cache/pip).",
      )
      .meta({ examples: [['node_modules']] }),
    key: z
      .array(checkoutPath)
      .max(20)
      .optional()
      .describe(
        'Files whose content keys the cache, beside the repository, branch and setup commands. Default: the lockfiles and manifests found.',
      )
      .meta({ examples: [['package-lock.json']] }),
  })
  .default({ enabled: true })
  .describe('Caching of what the setup commands produce, between tasks of this repository.');

export const setupFailureSchema = z
  .enum(['fail', 'continue'])
  .default('fail')
  .describe(
    'When a setup command fails: fail stops the task and quotes its output; continue lets the agent work and tells it what failed.',
  );

export type CacheConfig = z.output<typeof cacheSchema>;

/** A package manager's cache: what its setup leaves in the checkout, and what decides it. */
interface Ecosystem {
  name: string;
  /** Any of these at the repository's root says the ecosystem is in use. */
  markers: string[];
  paths: string[];
  /** Hashed into the key when present (absent files count as absent). */
  key: string[];
}

/** The defaults, in order of preference; the first whose marker exists wins for its paths. */
export const ECOSYSTEMS: readonly Ecosystem[] = [
  {
    name: 'pnpm',
    markers: ['pnpm-lock.yaml'],
    // node_modules records the store's absolute path, which differs per task: cache the store only.
    paths: ['~/.local/share/pnpm/store'],
    key: ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml', '.npmrc'],
  },
  {
    name: 'yarn',
    markers: ['yarn.lock'],
    paths: ['node_modules', '~/.cache/yarn'],
    key: ['yarn.lock', 'package.json', '.yarnrc', '.yarnrc.yml'],
  },
  {
    name: 'npm',
    markers: ['package-lock.json', 'npm-shrinkwrap.json'],
    // `npm ci` removes node_modules before it installs: restoring it would only cost time. The
    // download cache speeds up any npm command; a guarded `npm ci` caches node_modules (README).
    paths: ['~/.npm/_cacache'],
    key: ['package-lock.json', 'npm-shrinkwrap.json', 'package.json', '.npmrc'],
  },
  {
    name: 'pip',
    markers: ['requirements.txt', 'requirements-dev.txt', 'poetry.lock', 'Pipfile.lock', 'uv.lock'],
    // A virtualenv's scripts name the absolute path of the task that made it: cache the downloads.
    paths: ['~/.cache/pip'],
    key: [
      'requirements.txt',
      'requirements-dev.txt',
      'poetry.lock',
      'Pipfile.lock',
      'uv.lock',
      'pyproject.toml',
    ],
  },
];

/** Every root file the defaults look for: one `git ls-tree` answers which exist. */
export const ECOSYSTEM_FILES: readonly string[] = [
  ...new Set(ECOSYSTEMS.flatMap((e) => [...e.markers, ...e.key])),
];

export interface CachePlan {
  paths: string[];
  keyFiles: string[];
  /** Where the plan came from: `config`, or the ecosystems whose lockfiles were found. */
  source: string;
}

/**
 * What to cache, or undefined (caching off, no setup commands, or nothing recognisable and
 * nothing configured). `present` is the set of root files that exist at the commit.
 */
export function cachePlan(
  cache: CacheConfig,
  setup: readonly string[],
  present: ReadonlySet<string>,
): CachePlan | undefined {
  if (!cache.enabled || setup.length === 0) return undefined;
  const found = ECOSYSTEMS.filter((e) => e.markers.some((m) => present.has(m)));
  const defaultPaths = [...new Set(found.flatMap((e) => e.paths))];
  const defaultKey = [...new Set(found.flatMap((e) => e.key))].filter((f) => present.has(f));
  const paths = cache.paths ?? defaultPaths;
  if (paths.length === 0) return undefined;
  return {
    paths: [...new Set(paths.map((p) => p.replace(/\/$/, '')))],
    keyFiles: cache.key ?? defaultKey,
    source: cache.paths ? 'config' : found.map((e) => e.name).join('+'),
  };
}

export interface CacheKeyMaterial {
  installationId: number;
  /** `owner/name`, compared case-insensitively as GitHub does. */
  repository: string;
  /** The branch the setup runs on. */
  scope: string;
  setup: readonly string[];
  paths: readonly string[];
  /** Each key file with git's object id at the commit, or null when absent. */
  keyFiles: ReadonlyArray<readonly [string, string | null]>;
  /** What the archive is only valid for: OS, CPU, Node's major version, compression. */
  platform: string;
}

/** Where entries live in the S3 bucket: the one prefix the agent task role is granted (cdk/). */
export const SETUP_CACHE_PREFIX = 'setup-cache/';

/** Bumped when the archive's layout or the key's material changes. */
const KEY_VERSION = 1;

/** The entry's name in the store: a hash of everything it depends on, so nothing else can name it. */
export function cacheKey(material: CacheKeyMaterial): string {
  const canonical = JSON.stringify([
    KEY_VERSION,
    material.installationId,
    material.repository.toLowerCase(),
    material.scope,
    material.setup,
    material.paths,
    material.keyFiles,
    material.platform,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
