/**
 * The status page and its JSON, for the local server and the dashboard's Function URL:
 *
 *   GET /status                            the HTML page (recent tasks, token spend)
 *   GET /status/tasks/<id>                 one task's HTML page: its record, links, progress and session logs
 *   GET /api/tasks?repo=owner/name&limit=50 recent tasks as rows, newest first
 *   GET /api/tasks/<id>                    one task's record and its progress log
 *
 * The page shows repositories, logins, instructions and costs, so the local handler answers only a
 * request with the token printed at start (status-auth.ts); any other gets a 401 and no data. The
 * agent's tools run on the same machine as the local server, so binding 127.0.0.1 is not enough.
 * On AWS, `renderStatusResponse` is served only by functions/dashboard/, behind its own Function
 * URL, to a signed-in person and filtered (`canRead`) to the repositories they can read on GitHub.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplicationFunctionOptions } from 'probot';
import { STATUS_PAGE_CSP, renderStatusPage } from '../../core/status/render-status-page.js';
import { renderTaskPage } from '../../core/status/render-task-page.js';
import { renderSessionHtml } from '../../core/status/render-session.js';
import { taskRow } from '../../core/status/task-row.js';
import type { Reader } from '../../core/status/html.js';
import { TaskNotFoundError, type TaskStore } from '../../core/store/task-store.js';
import type { Task } from '../../core/task.js';
import { authorizeStatus } from './status-auth.js';

/** Probot's server handler: true when it answered, false to let the next handler try. */
export type ProbotHandler = Parameters<ApplicationFunctionOptions['addHandler']>[0];

export interface StatusResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A Function URL event's `queryStringParameters`, or the parsed query of a Node request. */
export type StatusQuery = URLSearchParams | Record<string, string | undefined> | undefined;

export interface StatusPageOptions {
  /** The token a request must present (status-auth.ts). */
  token: string;
  now?: () => Date;
  /** GitHub's web address, for links (core/status/task-cells.ts githubWebUrl). */
  githubUrl?: string;
}

/** What the pages need besides the store and the request. */
export interface RenderOptions {
  githubUrl?: string;
  /**
   * Whether the reader may see a repository's tasks (the dashboard: what they can read on
   * GitHub). Unset: every task. A task of another repository is left out of every list and its
   * pages answer 404, as for a task that does not exist.
   */
  canRead?: (repository: string) => boolean;
  /** Who is signed in (the dashboard), named on the HTML pages. */
  reader?: Reader;
}

const readable = (options: RenderOptions) => (task: Task) => options.canRead?.(task.repository) ?? true;

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
/** The status page reads at most this many tasks (newest first) to sum the 30-day spend. */
export const SPEND_SCAN_LIMIT = 2000;

const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const TASK_PATH = /^\/api\/tasks\/([^/]+)$/;
const TASK_PAGE_PATH = /^\/status\/tasks\/([^/]+)$/;
const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** Whether a path is one this module answers. */
export function isStatusPath(path: string): boolean {
  return path === '/status' || path === '/api/tasks' || TASK_PATH.test(path) || TASK_PAGE_PATH.test(path);
}

function json(statusCode: number, value: unknown): StatusResponse {
  return {
    statusCode,
    headers: { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8' },
    body: `${JSON.stringify(value, null, 2)}\n`,
  };
}

function param(query: StatusQuery, name: string): string | undefined {
  if (query === undefined) return undefined;
  const value = query instanceof URLSearchParams ? query.get(name) : query[name];
  return value === null || value === undefined || value === '' ? undefined : value;
}

function html(statusCode: number, body: string): StatusResponse {
  return {
    statusCode,
    headers: {
      ...COMMON_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': STATUS_PAGE_CSP,
    },
    body,
  };
}

async function statusPage(store: TaskStore, now: Date, options: RenderOptions): Promise<StatusResponse> {
  const scanned = await store.listRecent(SPEND_SCAN_LIMIT);
  const oldest = scanned.at(-1);
  const truncated =
    scanned.length >= SPEND_SCAN_LIMIT &&
    oldest !== undefined &&
    now.getTime() - Date.parse(oldest.createdAt) < THIRTY_DAYS_MS;
  const tasks = scanned.filter(readable(options));
  // The outcome figures follow the same rule: a repository the reader cannot read is not counted.
  const pullRequests = (
    await store.listPullRequests(new Date(now.getTime() - THIRTY_DAYS_MS).toISOString())
  ).filter((pull) => options.canRead?.(pull.repository) ?? true);
  return html(
    200,
    renderStatusPage(tasks, now, { recentLimit: DEFAULT_LIST_LIMIT, truncated, pullRequests, ...options }),
  );
}

async function listTasks(
  store: TaskStore,
  query: StatusQuery,
  now: Date,
  options: RenderOptions,
): Promise<StatusResponse> {
  const repo = param(query, 'repo');
  const limitText = param(query, 'limit');
  if (repo !== undefined && !REPOSITORY.test(repo)) {
    return json(400, { error: 'repo must look like owner/name' });
  }
  const limit = limitText === undefined ? DEFAULT_LIST_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    return json(400, { error: `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}` });
  }
  const tasks =
    repo === undefined ? await store.listRecent(limit) : await store.listByRepository(repo, limit);
  return json(200, { tasks: tasks.filter(readable(options)).map((task) => taskRow(task, now)) });
}

/** The task, or undefined when there is none or the reader may not see it (the same 404). */
async function loadReadable(
  store: TaskStore,
  taskId: string,
  options: RenderOptions,
): Promise<Task | undefined> {
  try {
    const task = await store.load(taskId);
    return readable(options)(task) ? task : undefined;
  } catch (error) {
    if (error instanceof TaskNotFoundError) return undefined;
    throw error;
  }
}

async function showTask(store: TaskStore, taskId: string, options: RenderOptions): Promise<StatusResponse> {
  const task = await loadReadable(store, taskId, options);
  if (task === undefined) return json(404, { error: `no task ${taskId}` });
  return json(200, { task, log: await store.readLog(taskId) });
}

async function taskPage(
  store: TaskStore,
  taskId: string,
  now: Date,
  options: RenderOptions,
): Promise<StatusResponse> {
  const task = await loadReadable(store, taskId, options);
  if (task === undefined) return html(404, '<!doctype html><title>Not found</title><p>No such task.</p>\n');
  const session = (await store.readSession(taskId)).map((s) => s.entry);
  const sections = [{ title: 'Session log', html: renderSessionHtml(session) }];
  return html(200, renderTaskPage(task, await store.readLog(taskId), now, { ...options, sections }));
}

/** The id in a path, decoded; undefined when it is malformed. */
function decodedId(id: string): string | undefined {
  try {
    return decodeURIComponent(id);
  } catch {
    return undefined;
  }
}

/**
 * Answer one GET request for a status path, in the shape a Lambda Function URL returns. An unknown
 * path is a 404. Errors from the store propagate (the caller logs them and answers 500).
 */
export async function renderStatusResponse(
  store: TaskStore,
  path: string,
  query: StatusQuery,
  now: Date = new Date(),
  options: RenderOptions = {},
): Promise<StatusResponse> {
  if (path === '/status') return statusPage(store, now, options);
  if (path === '/api/tasks') return listTasks(store, query, now, options);
  const id = TASK_PATH.exec(path)?.[1];
  const pageId = TASK_PAGE_PATH.exec(path)?.[1];
  const taskId = decodedId(id ?? pageId ?? '');
  if (id === undefined && pageId === undefined) return json(404, { error: 'not found' });
  if (!taskId) return json(400, { error: 'malformed task id' });
  return id !== undefined ? showTask(store, taskId, options) : taskPage(store, taskId, now, options);
}

/** Serves the status paths on Probot's server; any other request goes on to the next handler. */
export function statusPageHandler(store: TaskStore, options: StatusPageOptions): ProbotHandler {
  const now = options.now ?? (() => new Date());
  if (!options.token) throw new Error('statusPageHandler: a token is required');
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!isStatusPath(url.pathname)) return false;
    const auth = authorizeStatus(req, url, options.token);
    if (!auth.ok) {
      const response = json(401, {
        error: 'open the status page with the link npm start printed at start (status at …?token=…)',
      });
      res
        .writeHead(response.statusCode, {
          ...response.headers,
          'www-authenticate': 'Bearer realm="nightshift"',
        })
        .end(req.method === 'HEAD' ? undefined : response.body);
      return true;
    }
    if (auth.setCookie) res.setHeader('set-cookie', auth.setCookie);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const response = json(405, { error: 'only GET' });
      res.writeHead(response.statusCode, { ...response.headers, allow: 'GET, HEAD' }).end(response.body);
      return true;
    }
    let response: StatusResponse;
    try {
      response = await renderStatusResponse(store, url.pathname, url.searchParams, now(), {
        ...(options.githubUrl ? { githubUrl: options.githubUrl } : {}),
      });
    } catch (error) {
      response = json(500, { error: `the task store did not answer: ${(error as Error).message}` });
    }
    res.writeHead(response.statusCode, {
      ...response.headers,
      'content-length': String(Buffer.byteLength(response.body)),
    });
    res.end(req.method === 'HEAD' ? undefined : response.body);
    return true;
  };
}
