// Writing answers: messages (JSON or SSE), errors in Anthropic's shape, socket resets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatSse, messageEvents, type SseEvent } from './sse.js';
import { makeId, type OutBlock } from './steps.js';
import type { ReportedUsage, StopReason } from './types.js';

export interface ApiMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: OutBlock[];
  stop_reason: StopReason;
  stop_sequence: string | null;
  stop_details: null;
  container: null;
  diagnostics: null;
  usage: ReportedUsage;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  409: 'conflict_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function errorBody(status: number, type: string | undefined, message: string | undefined) {
  const t = type ?? errorType(status);
  return { type: 'error', error: { type: t, message: message ?? defaultMessage(t) } };
}

function defaultMessage(type: string): string {
  if (type === 'overloaded_error') return 'Overloaded';
  if (type === 'rate_limit_error') return 'Number of request tokens has exceeded your per-minute rate limit';
  return 'Internal server error';
}

function baseHeaders(): Record<string, string> {
  return { 'request-id': makeId('req') };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...baseHeaders(),
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** An error answer; `headers` null values remove a header. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string | undefined,
  options: { type?: string; headers?: Record<string, string | null> } = {},
) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== null) headers[name.toLowerCase()] = value;
  }
  sendJson(res, status, errorBody(status, options.type, message), headers);
}

/** Writes the events of an SSE answer; `until` stops after that many events and returns false. */
async function writeEvents(res: ServerResponse, events: SseEvent[], until = Infinity): Promise<boolean> {
  if (!res.headersSent) {
    res.writeHead(200, {
      ...baseHeaders(),
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
    });
    res.flushHeaders();
  }
  for (const [i, event] of events.entries()) {
    if (i >= until) return false;
    if (res.destroyed) return false;
    if (!res.write(formatSse(event))) {
      await new Promise((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
  }
  return true;
}

export async function sendMessage(res: ServerResponse, message: ApiMessage, stream: boolean): Promise<void> {
  if (!stream) return sendJson(res, 200, message);
  await writeEvents(res, messageEvents(message));
  res.end();
}

/** A streaming answer that starts a message, then fails with an SSE `error` event. */
export async function sendStreamError(
  res: ServerResponse,
  message: ApiMessage,
  error: unknown,
): Promise<void> {
  const [start] = messageEvents(message);
  await writeEvents(res, start ? [start, { event: 'error', data: error }] : []);
  res.end();
}

/** Destroys the connection: at once, or (streaming) after `afterEvents` events of the message. */
export async function sendReset(
  req: IncomingMessage,
  res: ServerResponse,
  message: ApiMessage | undefined,
  afterEvents: number,
): Promise<void> {
  if (message && afterEvents > 0) {
    await writeEvents(res, messageEvents(message), afterEvents);
    // Let the events reach the client before the connection breaks.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  req.socket.destroy();
}
