/** One place that builds the Probot instance (GitHub App auth) from the validated environment. */
import type { Logger } from 'pino';
import { Probot } from 'probot';
import type { AppCredentialsEnv } from '../core/env.js';
import { NightshiftOctokit } from '../core/github/octokit.js';

/** The webhook secret only where webhooks are verified with it (the redelivery acts as the App). */
export function createProbot(env: AppCredentialsEnv & { WEBHOOK_SECRET?: string }, log: Logger): Probot {
  return new Probot({
    appId: env.APP_ID,
    privateKey: env.privateKey,
    ...(env.WEBHOOK_SECRET ? { secret: env.WEBHOOK_SECRET } : {}),
    baseUrl: env.GITHUB_API_URL,
    // Probot names its own loggers (`probot`, then `octokit`, `github`…).
    log,
    Octokit: NightshiftOctokit,
  });
}
