/**
 * The process environment, validated once at start-up. Names follow DESIGN.md's contract
 * (Probot's names where Probot has one); a missing or malformed variable stops the process
 * with a message naming it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const EnvSchema = z.object({
  APP_ID: z.coerce.number().int().positive().describe('the GitHub App id'),
  PRIVATE_KEY: optionalString,
  PRIVATE_KEY_PATH: optionalString,
  WEBHOOK_SECRET: z.string().min(1),
  GITHUB_API_URL: z.string().url().default('https://api.github.com'),
  DYNAMODB_ENDPOINT: optionalString,
  TABLE_NAME: z.string().min(1).default('nightshift'),
  NIGHTSHIFT_RUNNER: z.enum(['local', 'ecs']).default('local'),
  NIGHTSHIFT_LABEL: z.string().min(1).default('agent'),
  PORT: z.coerce.number().int().positive().default(3000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
});

export type AppEnv = z.infer<typeof EnvSchema> & { privateKey: string };

export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/** Validate the variables the GitHub side needs; resolves the private key from its path if given. */
export function readAppEnv(env: NodeJS.ProcessEnv = process.env): AppEnv {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new EnvError(`invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const value = parsed.data;
  const privateKey =
    value.PRIVATE_KEY?.replace(/\\n/g, '\n') ??
    (value.PRIVATE_KEY_PATH ? readFileSync(value.PRIVATE_KEY_PATH, 'utf8') : undefined);
  if (!privateKey) throw new EnvError('invalid environment: set PRIVATE_KEY or PRIVATE_KEY_PATH');
  return { ...value, privateKey };
}
