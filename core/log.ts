/**
 * The one logger (pino, as Probot uses) for every side: the Lambdas, `npm start`, the CLI and the
 * agent container. Correlation fields (delivery id, repository, task id) go on child loggers.
 */
import { pino, type Logger } from 'pino';

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'nightshift' } });
}
