/**
 * The process environment, validated once at start-up. Names follow DESIGN.md's contract
 * (Probot's names where Probot has one). Every problem is one line that names the variable and
 * says how to fix it (README "Troubleshooting" lists them); a secret's value is never repeated.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
// zod's tree-shakeable build: this schema is on the webhook's cold-start path, and the full
// build would be a third of its bundle.
import * as z from 'zod/mini';

const optionalString = z.pipe(
  z.optional(z.string()),
  z.transform((v) => (v === '' ? undefined : v)),
);
const nonEmpty = z.string().check(z.minLength(1));
const positiveInt = z.coerce.number().check(z.int(), z.positive());

const EnvSchema = z.object({
  APP_ID: positiveInt,
  PRIVATE_KEY: optionalString,
  PRIVATE_KEY_PATH: optionalString,
  WEBHOOK_SECRET: nonEmpty,
  GITHUB_API_URL: z._default(z.url(), 'https://api.github.com'),
  DYNAMODB_ENDPOINT: optionalString,
  TABLE_NAME: z._default(nonEmpty, 'nightshift'),
  NIGHTSHIFT_RUNNER: z._default(z.enum(['local', 'ecs']), 'local'),
  NIGHTSHIFT_LABEL: z._default(nonEmpty, 'agent'),
  /** Tasks of one installation dispatched or running at once; more wait for a free slot. */
  NIGHTSHIFT_MAX_CONCURRENT_TASKS: z._default(positiveInt, 5),
  /** Tasks of the whole deployment dispatched or running at once (the account's quota); unset: no cap. */
  NIGHTSHIFT_MAX_DEPLOYMENT_TASKS: z.optional(positiveInt),
  /** The most `limits.minutes` any repository may set; runners older than it (+ grace) are stopped. */
  NIGHTSHIFT_MAX_TASK_MINUTES: z._default(positiveInt, 120),
  /**
   * Most estimated model cost in USD each installation may spend in a calendar month (UTC); once it
   * is spent, its new tasks are refused. Unset: no installation budget.
   */
  NIGHTSHIFT_INSTALLATION_MONTHLY_USD: z.optional(z.coerce.number().check(z.positive())),
  PORT: z._default(positiveInt, 3000),
  LOG_LEVEL: z._default(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']), 'info'),
  /** Probot's variable: `pretty` for people, `json` for machines; unset, pretty on a terminal. */
  LOG_FORMAT: z.optional(z.enum(['json', 'pretty'])),
  /** `npm start`: the smee.io channel GitHub delivers to, forwarded to this server. */
  WEBHOOK_PROXY_URL: z.pipe(optionalString, z.optional(z.url({ protocol: /^https?$/ }))),
  /** Where people reach the status page: the check run's Details link goes to the task's page there. */
  NIGHTSHIFT_PUBLIC_URL: z.pipe(optionalString, z.optional(z.url({ protocol: /^https?$/ }))),
});

export type AppEnv = z.infer<typeof EnvSchema> & { privateKey: string };

/** What the token function needs: the App's id and key, not the webhook secret. */
const CredentialsSchema = z.pick(EnvSchema, {
  APP_ID: true,
  PRIVATE_KEY: true,
  PRIVATE_KEY_PATH: true,
  GITHUB_API_URL: true,
  LOG_LEVEL: true,
});

export type AppCredentialsEnv = z.infer<typeof CredentialsSchema> & { privateKey: string };

export class EnvError extends Error {
  override readonly name = 'EnvError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

const APP_PAGE = "the App's page (GitHub → Settings → Developer settings → GitHub Apps)";
const KEY_FILE = `the .pem file made under "Private keys" on ${APP_PAGE}`;
const KEY_FIX = `paste the whole of ${KEY_FILE}, -----BEGIN to -----END, or set PRIVATE_KEY_PATH to the file`;

/** How to fix each variable, where more than "a valid value" helps. */
const FIXES: Record<string, string> = {
  APP_ID: `set it to the App ID on ${APP_PAGE}, or remove the App's variables from .env to register one from the browser`,
  WEBHOOK_SECRET: `set it to the webhook secret on ${APP_PAGE}`,
  GITHUB_API_URL: 'https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server',
  WEBHOOK_PROXY_URL: 'a channel URL from https://smee.io/new, or unset it',
  NIGHTSHIFT_PUBLIC_URL: 'the https:// address people open the status page at (without /status), or unset it',
  NIGHTSHIFT_INSTALLATION_MONTHLY_USD: 'a number of US dollars above 0, like 500, or unset it for no budget',
  ANTHROPIC_API_KEY:
    'the agent calls Claude with it: create a key at https://console.anthropic.com/settings/keys and add ANTHROPIC_API_KEY=… to .env',
};
/** Never repeated in a message. */
const SECRETS = new Set(['PRIVATE_KEY', 'WEBHOOK_SECRET', 'ANTHROPIC_API_KEY']);

/** Validate the variables the GitHub side needs; resolves the private key from its path if given. */
export function readAppEnv(env: NodeJS.ProcessEnv = process.env): AppEnv {
  return validated(EnvSchema, env);
}

/** Validate only the App's credentials (the token function holds no webhook secret). */
export function readAppCredentials(env: NodeJS.ProcessEnv = process.env): AppCredentialsEnv {
  return validated(CredentialsSchema, env);
}

/**
 * `npm start`: the App's variables, and the model's key when this process starts the agents
 * itself (NIGHTSHIFT_RUNNER=local), so a missing key stops the start rather than every task.
 */
export function readLocalServerEnv(env: NodeJS.ProcessEnv = process.env): AppEnv {
  const problems: string[] = [];
  const parsed = collect(EnvSchema, env, problems);
  if ((parsed?.NIGHTSHIFT_RUNNER ?? env.NIGHTSHIFT_RUNNER ?? 'local') === 'local' && !env.ANTHROPIC_API_KEY)
    problems.push(problem('ANTHROPIC_API_KEY', env));
  return complete(parsed, problems);
}

/** True when any of the App's credentials is set: otherwise `npm start` offers to register one. */
export function hasAppCredentials(env: NodeJS.ProcessEnv): boolean {
  return ['APP_ID', 'PRIVATE_KEY', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET'].some((name) => !!env[name]);
}

type WithKey = { PRIVATE_KEY?: string | undefined; PRIVATE_KEY_PATH?: string | undefined };

function validated<T extends z.ZodMiniType<WithKey>>(
  schema: T,
  env: NodeJS.ProcessEnv,
): z.infer<T> & { privateKey: string } {
  const problems: string[] = [];
  return complete(collect(schema, env, problems), problems);
}

/** The parsed variables, or undefined; every problem, the private key's included, in `problems`. */
function collect<T extends z.ZodMiniType<WithKey>>(
  schema: T,
  env: NodeJS.ProcessEnv,
  problems: string[],
): (z.infer<T> & { privateKey: string }) | undefined {
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      problems.push(problem(String(issue.path[0]), env, issue.message));
  const privateKey = readPrivateKey(env, problems);
  return parsed.success && privateKey ? { ...parsed.data, privateKey } : undefined;
}

function complete<T>(value: T | undefined, problems: string[]): T {
  if (problems.length || !value) throw new EnvError(problems);
  return value;
}

function problem(name: string, env: NodeJS.ProcessEnv, reason?: string): string {
  const value = env[name];
  const what =
    value === undefined || value === ''
      ? `${name} is not set`
      : `${name}${SECRETS.has(name) ? '' : `=${JSON.stringify(value)}`} is not valid (${reason})`;
  const fix = FIXES[name];
  return fix ? `${what}: ${fix}` : what;
}

/** PRIVATE_KEY (with `\n` for newlines, as in .env) or the file PRIVATE_KEY_PATH names, checked to parse. */
function readPrivateKey(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  if (env.PRIVATE_KEY) {
    const pem = env.PRIVATE_KEY.replace(/\\n/g, '\n');
    if (isPrivateKey(pem)) return pem;
    problems.push(`PRIVATE_KEY is not a PEM private key: ${KEY_FIX}`);
    return undefined;
  }
  const path = env.PRIVATE_KEY_PATH;
  if (!path) {
    problems.push(`PRIVATE_KEY is not set: ${KEY_FIX}`);
    return undefined;
  }
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(
      code === 'ENOENT'
        ? `PRIVATE_KEY_PATH=${path}: no such file: set it to ${KEY_FILE}`
        : `PRIVATE_KEY_PATH=${path} cannot be read (${code ?? String(error)}): make it a file this user can read`,
    );
    return undefined;
  }
  if (isPrivateKey(pem)) return pem;
  problems.push(`PRIVATE_KEY_PATH=${path} is not a PEM private key: set it to ${KEY_FILE}`);
  return undefined;
}

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}
