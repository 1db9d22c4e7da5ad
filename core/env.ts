/**
 * The process environment, validated once at start-up. Names follow DESIGN.md's contract
 * (Probot's names where Probot has one); a missing or malformed variable stops the process
 * with a message naming it.
 */
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
  PORT: z._default(positiveInt, 3000),
  LOG_LEVEL: z._default(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']), 'info'),
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
}

/** Validate the variables the GitHub side needs; resolves the private key from its path if given. */
export function readAppEnv(env: NodeJS.ProcessEnv = process.env): AppEnv {
  return withPrivateKey(parse(EnvSchema, env));
}

/** Validate only the App's credentials (the token function holds no webhook secret). */
export function readAppCredentials(env: NodeJS.ProcessEnv = process.env): AppCredentialsEnv {
  return withPrivateKey(parse(CredentialsSchema, env));
}

function parse<T extends z.ZodMiniType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new EnvError(`invalid environment:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

function withPrivateKey<
  T extends { PRIVATE_KEY?: string | undefined; PRIVATE_KEY_PATH?: string | undefined },
>(value: T): T & { privateKey: string } {
  const privateKey =
    value.PRIVATE_KEY?.replace(/\\n/g, '\n') ??
    (value.PRIVATE_KEY_PATH ? readFileSync(value.PRIVATE_KEY_PATH, 'utf8') : undefined);
  if (!privateKey) throw new EnvError('invalid environment: set PRIVATE_KEY or PRIVATE_KEY_PATH');
  return { ...value, privateKey };
}
