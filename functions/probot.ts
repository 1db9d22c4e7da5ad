/** One place that builds the Probot instance (GitHub App auth) from the validated environment. */
import type { Logger } from 'pino';
import { Probot } from 'probot';
import type { AppEnv } from '../core/env.js';
import { NightshiftOctokit } from '../core/github/octokit.js';

export function createProbot(env: AppEnv, log: Logger): Probot {
  return new Probot({
    appId: env.APP_ID,
    privateKey: env.privateKey,
    secret: env.WEBHOOK_SECRET,
    baseUrl: env.GITHUB_API_URL,
    // Probot names its own loggers (`probot`, then `octokit`, `github`…).
    log,
    Octokit: NightshiftOctokit,
  });
}
