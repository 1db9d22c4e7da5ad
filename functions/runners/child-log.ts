/**
 * The agent-task process logs with the same logger (pino, one JSON object a line, at LOG_LEVEL).
 * Its lines reach the server's log at their own level, with their own fields, so `npm start` at
 * `info` shows each task's steps and the agent's turn-by-turn detail stays at `debug`. What is
 * not such a line (a crash's stack on stderr) is passed on as text.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Level, Logger } from 'pino';

/** pino's own fields, which the server's logger writes again for itself. */
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'v']);

export function relayChildLog(stream: Readable, log: Logger, otherwise: Level): void {
  const bound = log.bindings();
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    if (line.trim() === '') return;
    const entry = parseEntry(line);
    const level = entry && log.levels.labels[Number(entry.level)];
    if (!entry || !level || !isLevel(level)) {
      log[otherwise](line);
      return;
    }
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
      // The server's child logger already says which task and process this is.
      if (OWN_FIELDS.has(key) || (key in bound && bound[key] === value)) continue;
      fields[key] = value;
    }
    log[level](fields, typeof entry.msg === 'string' ? entry.msg : '');
  });
}

function parseEntry(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' &&
      value !== null &&
      typeof (value as { level?: unknown }).level === 'number'
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
function isLevel(label: string): label is Level {
  return LEVELS.includes(label);
}
