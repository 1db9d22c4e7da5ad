/**
 * The dashboard function's settings. It holds neither the App's private key nor the webhook
 * secret: only the App's OAuth client (its client id and secret, one JSON secret) and the key
 * that signs sessions, both read from Secrets Manager at cold start (functions/secrets.ts).
 */
import * as z from 'zod/mini';
import { EnvError } from '../../core/env.js';
import { MIN_SESSION_KEY_LENGTH } from './session-cookie.js';

const OAuthClientSchema = z.object({
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
});

const DashboardEnvSchema = z.object({
  GITHUB_API_URL: z._default(z.url(), 'https://api.github.com'),
  LOG_LEVEL: z._default(z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']), 'info'),
  /** The site's address when a custom domain stands in front of the Function URL. */
  NIGHTSHIFT_PUBLIC_URL: z.optional(z.url({ protocol: /^https?$/ })),
});

export interface DashboardEnv extends z.infer<typeof DashboardEnvSchema> {
  client: z.infer<typeof OAuthClientSchema>;
  sessionKey: string;
}

const CLIENT_FIX =
  'put {"clientId": "…", "clientSecret": "…"} from the App\'s page (General → Client ID, "Generate a new client secret") into the secret, as cdk/README.md "The dashboard" shows';

export function readDashboardEnv(env: NodeJS.ProcessEnv): DashboardEnv {
  const problems: string[] = [];
  const parsed = DashboardEnvSchema.safeParse(env);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      problems.push(`${String(issue.path[0])} is not valid (${issue.message})`);
  let client: DashboardEnv['client'] | undefined;
  try {
    client = OAuthClientSchema.parse(JSON.parse(env.DASHBOARD_OAUTH_CLIENT ?? ''));
  } catch {
    problems.push(`DASHBOARD_OAUTH_CLIENT is not set or not valid: ${CLIENT_FIX}`);
  }
  const sessionKey = env.DASHBOARD_SESSION_KEY ?? '';
  if (sessionKey.length < MIN_SESSION_KEY_LENGTH)
    problems.push(
      `DASHBOARD_SESSION_KEY must be at least ${MIN_SESSION_KEY_LENGTH} characters (the stack generates it)`,
    );
  if (problems.length || !parsed.success || !client) throw new EnvError(problems);
  return { ...parsed.data, client, sessionKey };
}
