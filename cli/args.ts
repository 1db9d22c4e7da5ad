/**
 * The command line, parsed and validated with node:util's parseArgs. Each parser returns what its
 * command needs or throws a UsageError that names the mistake.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Target } from '../core/task.js';
import { UsageError } from './usage-error.js';

export interface TasksArgs {
  repo?: string;
  limit: number;
  json: boolean;
}

export interface ShowArgs {
  taskId: string;
  json: boolean;
  /** The session log instead of the record and progress log. */
  log: boolean;
  /** With `log`: keep printing until the task ends. */
  follow: boolean;
}

export interface CancelArgs {
  taskId: string;
}

export interface RunArgs {
  repository: string;
  target: Target;
  /** The instructions; empty when none were given. */
  instructions: string;
  /** Unset: whoever opened the issue or pull request (functions/local/run-defaults.ts). */
  engineer?: string;
  /** Unset: the GitHub App's installation on the repository, asked of GitHub. */
  installationId?: number;
}

export interface StatsArgs {
  repo?: string;
  /** The period's length in milliseconds, back from now. */
  sinceMs: number;
  /** As given, e.g. `30d`. */
  since: string;
  json: boolean;
}

export const DEFAULT_TASKS_LIMIT = 20;
export const MAX_TASKS_LIMIT = 500;

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;

type Options = NonNullable<ParseArgsConfig['options']>;

function parse<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages name the option; drop its advice to use "--" which does not apply here.
    const message = (error as Error).message.replace(/\s*To specify a positional argument.*$/s, '');
    throw new UsageError(message, command);
  }
}

function onePositional(command: string, positionals: string[], what: string): string {
  const [value, ...extra] = positionals;
  if (value === undefined || value.trim() === '') throw new UsageError(`missing ${what}`, command);
  if (extra.length) throw new UsageError(`unexpected argument: ${extra.join(' ')}`, command);
  return value.trim();
}

function wholeNumber(command: string, option: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(
      `--${option} must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` from 1 to ${max}` : ' above 0'}, not "${text}"`,
      command,
    );
  }
  return n;
}

function repository(command: string, text: string, option?: string): string {
  if (!REPOSITORY.test(text)) {
    throw new UsageError(
      `${option ? `--${option}` : 'the repository'} must look like owner/name, not "${text}"`,
      command,
    );
  }
  return text;
}

export function parseTasksArgs(argv: string[]): TasksArgs {
  const { values, positionals } = parse('tasks', argv, {
    repo: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals.join(' ')}`, 'tasks');
  return {
    ...(values.repo !== undefined ? { repo: repository('tasks', values.repo, 'repo') } : {}),
    limit:
      values.limit === undefined
        ? DEFAULT_TASKS_LIMIT
        : wholeNumber('tasks', 'limit', values.limit, MAX_TASKS_LIMIT),
    json: values.json === true,
  };
}

export function parseShowArgs(argv: string[]): ShowArgs {
  const { values, positionals } = parse('show', argv, {
    json: { type: 'boolean', default: false },
    log: { type: 'boolean', default: false },
    follow: { type: 'boolean', default: false },
  });
  if (values.follow === true && values.json === true) {
    throw new UsageError('--follow prints as the log grows; --json prints once: give one of them', 'show');
  }
  return {
    taskId: onePositional('show', positionals, 'the task id (see nightshift tasks)'),
    json: values.json === true,
    // Following is following the session log.
    log: values.log === true || values.follow === true,
    follow: values.follow === true,
  };
}

export function parseCancelArgs(argv: string[]): CancelArgs {
  const { positionals } = parse('cancel', argv, {});
  return { taskId: onePositional('cancel', positionals, 'the task id (see nightshift tasks)') };
}

export function parseRunArgs(argv: string[]): RunArgs {
  const { values, positionals } = parse('run', argv, {
    issue: { type: 'string' },
    pr: { type: 'string' },
    instructions: { type: 'string' },
    engineer: { type: 'string' },
    installation: { type: 'string' },
  });
  const repo = repository('run', onePositional('run', positionals, 'the repository (owner/name)'));
  if ((values.issue === undefined) === (values.pr === undefined)) {
    throw new UsageError('give exactly one of --issue N or --pr N', 'run');
  }
  const target: Target =
    values.issue !== undefined
      ? { kind: 'issue', number: wholeNumber('run', 'issue', values.issue) }
      : { kind: 'pull_request', number: wholeNumber('run', 'pr', values.pr ?? '') };
  const engineer = values.engineer?.trim();
  if (engineer !== undefined && !LOGIN.test(engineer)) {
    throw new UsageError(`--engineer must be a GitHub login, not "${engineer}"`, 'run');
  }
  return {
    repository: repo,
    target,
    instructions: values.instructions?.trim() ?? '',
    ...(engineer !== undefined ? { engineer } : {}),
    ...(values.installation !== undefined
      ? { installationId: wholeNumber('run', 'installation', values.installation) }
      : {}),
  };
}

const PERIOD = /^(\d{1,4})([hdw])$/;
const PERIOD_MS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

export function parseStatsArgs(argv: string[]): StatsArgs {
  const { values, positionals } = parse('stats', argv, {
    repo: { type: 'string' },
    since: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (positionals.length) throw new UsageError(`unexpected argument: ${positionals.join(' ')}`, 'stats');
  const since = values.since?.trim() ?? '30d';
  const period = PERIOD.exec(since);
  if (!period || Number(period[1]) < 1) {
    throw new UsageError(`--since must be a period like 30d, 12h or 2w, not "${since}"`, 'stats');
  }
  return {
    ...(values.repo !== undefined ? { repo: repository('stats', values.repo, 'repo') } : {}),
    since,
    sinceMs: Number(period[1]) * PERIOD_MS[period[2] as keyof typeof PERIOD_MS],
    json: values.json === true,
  };
}
