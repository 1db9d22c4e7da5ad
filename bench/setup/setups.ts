/** The warm-setup section's variants and result shape (no side effects: the report imports it). */
const NPM_CI = 'npm ci --no-audit --no-fund --loglevel=error';

/** The guarded command the README recommends, and a plain `npm ci` (which removes node_modules first). */
export const SETUPS = {
  guarded: `test "$SETUP_CACHE" = hit || ${NPM_CI}`,
  plain: NPM_CI,
} as const;

export type SetupName = keyof typeof SETUPS;

/** Where the task folders are: the system temp folder (as the agent task), or a tmpfs (diagnostic). */
export type Where = 'disk' | 'tmpfs';

/** What each setup caches: the guarded one node_modules, as the README recommends; plain, the default. */
export const CACHE_PATHS: Record<SetupName, string[] | undefined> = {
  guarded: ['node_modules'],
  plain: undefined,
};

/**
 * `spares`: the entry unpacked ahead of the second task (agent-task/setup/setup-spares.ts), as
 * `npm start` does; without, the second task unpacks the archive itself (as a task does when another
 * of its repository took the spare, and always on AWS, where each task has a new container).
 */
export interface Variant {
  setup: SetupName;
  where: Where;
  spares: boolean;
}

export const VARIANTS: readonly Variant[] = [
  { setup: 'guarded', where: 'disk', spares: true },
  { setup: 'guarded', where: 'disk', spares: false },
  { setup: 'guarded', where: 'tmpfs', spares: false },
  { setup: 'plain', where: 'disk', spares: true },
];

export const variantName = (v: Variant) => `${v.setup}-${v.where}${v.spares ? '' : '-unpacked'}`;

export interface WarmSetupRun {
  variant: string;
  task: 'first' | 'second';
  ms: number;
}

export interface WarmSetupResult {
  packages: number;
  /** The entry the first task saved (compressed), per variant. */
  archiveBytes: Record<string, number>;
  runs: WarmSetupRun[];
  /** second ÷ first, per variant. */
  ratio: Record<string, number>;
  codec: string;
}
