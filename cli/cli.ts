/**
 * `nightshift <command>`: parse the command line (before touching the store, so help and mistakes
 * cost nothing), connect to the store, run the command, close the store. Returns the exit status.
 */
import { readFileSync } from 'node:fs';
import { credentialsEnv } from '../core/store/store-credentials.js';
import { TaskNotFoundError } from '../core/store/task-store.js';
import { parseArgs } from 'node:util';
import { parseCancelArgs, parseRunArgs, parseShowArgs, parseStatsArgs, parseTasksArgs } from './args.js';
import { cancelCommand } from './cancel.js';
import { type CliConnection, connectAwsStore, connectCliStore } from './connect.js';
import { type CommandName, MAIN_HELP, commandHelp, isCommand } from './help.js';
import type { CliIo } from './io.js';
import { findRunDefaults, runCommand, startLocalDispatch, type RunDeps } from './run.js';
import { showCommand } from './show.js';
import { statsCommand } from './stats.js';
import { tasksCommand } from './tasks.js';
import { UsageError } from './usage-error.js';

export interface CliDeps {
  /**
   * `create`: whether an embedded store may be made where there is none (see connect.ts); `aws`:
   * the deployed table instead (`--aws`, with `--table`'s name if given).
   */
  connect: (
    io: CliIo,
    options: { create: boolean; aws?: { table?: string } },
  ) => Promise<Pick<CliConnection, 'store' | 'endpoint' | 'tableName' | 'credentials' | 'close'>>;
  startDispatch: RunDeps['startDispatch'];
  /** What `run` is not told (installation, engineer); by default asked of GitHub as the App. */
  findDefaults?: RunDeps['findDefaults'];
  now: () => Date;
  /** `run`'s poll interval, default 1000 ms. */
  intervalMs?: number;
}

const defaultDeps: CliDeps = {
  connect: (io, { create, aws }) =>
    aws ? connectAwsStore(io.env, aws.table) : connectCliStore(io.env, { cwd: io.cwd, create }),
  startDispatch: startLocalDispatch,
  now: () => new Date(),
};

type Command = (connection: Awaited<ReturnType<CliDeps['connect']>>) => Promise<number>;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? 'unknown';
}

/** Parse a command's arguments into the function that runs it. */
function prepare(name: Exclude<CommandName, 'help'>, argv: string[], io: CliIo, deps: CliDeps): Command {
  switch (name) {
    case 'tasks': {
      const args = parseTasksArgs(argv);
      return ({ store }) => tasksCommand(store, args, io, deps.now());
    }
    case 'show': {
      const args = parseShowArgs(argv);
      return ({ store }) => showCommand(store, args, io, deps.now());
    }
    case 'stats': {
      const args = parseStatsArgs(argv);
      return ({ store }) => statsCommand(store, args, io, deps.now());
    }
    case 'cancel': {
      const args = parseCancelArgs(argv);
      return ({ store }) => cancelCommand(store, args, io);
    }
    case 'run': {
      const args = parseRunArgs(argv);
      return ({ store, endpoint, tableName, credentials }) => {
        // Dispatch builds its own store client from the environment: point it at this store,
        // with the embedded store's credential.
        if (endpoint !== undefined) io.env.DYNAMODB_ENDPOINT ??= endpoint;
        io.env.TABLE_NAME ??= tableName;
        for (const [name, value] of Object.entries(credentialsEnv(credentials))) io.env[name] ??= value;
        return runCommand(store, args, io, {
          startDispatch: deps.startDispatch,
          findDefaults: deps.findDefaults ?? ((...lookup) => findRunDefaults(io.env, ...lookup)),
          now: deps.now,
          ...(deps.intervalMs !== undefined ? { intervalMs: deps.intervalMs } : {}),
        });
      };
    }
  }
}

export async function runCli(
  argv: readonly string[],
  io: CliIo,
  overrides: Partial<CliDeps> = {},
): Promise<number> {
  const deps = { ...defaultDeps, ...overrides };
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') {
    io.stdout.write(MAIN_HELP);
    return 0;
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  if (!isCommand(first)) return usageError(io, new UsageError(`unknown command "${first}"`));
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) io.stdout.write(MAIN_HELP);
    else if (isCommand(topic)) io.stdout.write(commandHelp(topic));
    else return usageError(io, new UsageError(`unknown command "${topic}"`));
    return 0;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout.write(commandHelp(first));
    return 0;
  }

  let command: Command;
  let aws: { table?: string } | undefined;
  try {
    const target = storeTarget(first, rest);
    aws = target.aws;
    command = prepare(first, target.argv, io, deps);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error);
    throw error;
  }

  let connection: Awaited<ReturnType<CliDeps['connect']>> | undefined;
  try {
    connection = await deps.connect(io, { create: first === 'run', ...(aws ? { aws } : {}) });
    return await command(connection);
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error);
    if (error instanceof TaskNotFoundError) {
      io.stderr.write(`nightshift: no task ${error.taskId} (see nightshift tasks)\n`);
      return 1;
    }
    io.stderr.write(`nightshift: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * `--aws [--table NAME]`, the deployed table, for the commands that read or flag tasks; the rest of
 * the arguments are the command's own. `run` starts a local agent, so it has no `--aws`.
 */
function storeTarget(command: Exclude<CommandName, 'help'>, argv: readonly string[]) {
  const { values, tokens } = parseArgs({
    args: [...argv],
    options: { aws: { type: 'boolean' }, table: { type: 'string' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const ours = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || (token.name !== 'aws' && token.name !== 'table')) continue;
    ours.add(token.index);
    if (token.name === 'table' && !token.inlineValue && token.value !== undefined) ours.add(token.index + 1);
  }
  const rest = argv.filter((_, i) => !ours.has(i));
  if (values.table !== undefined && values.aws !== true)
    throw new UsageError('--table names the deployed table: use it with --aws', command);
  if (values.aws !== true) return { argv: rest };
  if (command === 'run') throw new UsageError('run starts the agent locally: it has no --aws', command);
  if (typeof values.table === 'boolean' || values.table === '')
    throw new UsageError('--table needs the table name (the stack’s TableName output)', command);
  return { argv: rest, aws: values.table === undefined ? {} : { table: values.table } };
}

function usageError(io: CliIo, error: UsageError): number {
  const help = error.command ? `nightshift ${error.command} --help` : 'nightshift --help';
  io.stderr.write(`nightshift: ${error.message}\nSee ${help}.\n`);
  return 2;
}
