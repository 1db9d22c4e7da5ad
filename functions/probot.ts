/** One place that builds the Probot instance from the validated environment. */
import { pino, type Logger } from 'pino';
import { Probot } from 'probot';
import type { AppEnv } from '../core/env.js';
import { NightshiftOctokit } from '../core/github/octokit.js';

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'nightshift' } });
}

/** Probot's options from the validated environment: the one place they are decided. */
export function probotOptions(env: AppEnv, log: Logger): ConstructorParameters<typeof Probot>[0] {
  return {
    appId: env.APP_ID,
    privateKey: env.privateKey,
    secret: env.WEBHOOK_SECRET,
    baseUrl: env.GITHUB_API_URL,
    log: log.child({ name: 'probot' }),
    Octokit: NightshiftOctokit,
  };
}

export function createProbot(env: AppEnv, log: Logger): Probot {
  return new Probot(probotOptions(env, log));
}
