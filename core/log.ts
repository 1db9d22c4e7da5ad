/**
 * The one logger (pino, as Probot uses) for every side: the Lambdas, `npm start`, the CLI and the
 * agent container. Correlation fields (delivery id, repository, task id) go on child loggers.
 *
 * Lines are JSON, one object a line, except with `LOG_FORMAT=pretty` (Probot's variable) or, when
 * LOG_FORMAT is unset, on a terminal: then pino-pretty prints them for people.
 */
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { PrettyOptions } from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT as Probot reads it (`pretty`, anything else JSON); unset: pretty on a terminal only. */
export function logFormat(
  value: string | undefined = process.env.LOG_FORMAT,
  terminal: boolean = process.stdout.isTTY === true,
): LogFormat {
  if (value) return value === 'pretty' ? 'pretty' : 'json';
  return terminal ? 'pretty' : 'json';
}

/** `destination`: where lines go instead of stdout (tests). */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  format: LogFormat = logFormat(),
  destination?: NodeJS.WritableStream,
): Logger {
  const options = { level, base: { service: 'nightshift' }, onChild: withoutDuplicateKeys };
  if (format === 'pretty') return pino(options, prettyStream(destination));
  return destination ? pino(options, destination) : pino(options);
}

/**
 * pino-pretty, loaded only when asked for: the Lambda bundles never print for a terminal and do not
 * carry it. Synchronous, so the last lines before an exit are not lost.
 */
function prettyStream(destination?: NodeJS.WritableStream) {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const options: PrettyOptions = {
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    ...(destination ? { destination, colorize: false } : {}),
  };
  return pretty(options);
}

const CHINDINGS = pino.symbols.chindingsSym;

/**
 * pino appends a child's bindings to its parent's as text, so a key bound twice is printed twice
 * (Probot names its loggers `probot`, then `http`, `octokit`, `github`…, each as `name`), which a
 * strict JSON reader refuses. Keep one key, the child's value.
 */
function withoutDuplicateKeys(child: Logger): void {
  const parent = Object.getPrototypeOf(child) as Record<symbol, string | undefined>;
  const own = child as unknown as Record<symbol, string>;
  const inherited = parent[CHINDINGS] ?? '';
  const added = (own[CHINDINGS] ?? '').slice(inherited.length);
  if (!added || !inherited) return;
  const before = asObject(inherited);
  const after = asObject(added);
  if (!Object.keys(after).some((key) => key in before)) return;
  own[CHINDINGS] = `,${JSON.stringify({ ...before, ...after }).slice(1, -1)}`;
}

function asObject(chindings: string): Record<string, unknown> {
  return JSON.parse(`{${chindings.slice(1)}}`) as Record<string, unknown>;
}
