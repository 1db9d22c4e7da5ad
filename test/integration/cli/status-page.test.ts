/**
 * The status page and its JSON, served by statusPageHandler on a real HTTP server: only to a
 * request with the token (as a bearer, in the query, or in the cookie the query sets).
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatusResponse, statusPageHandler } from '../../../functions/local/status-page.js';
import type { TaskRow } from '../../../core/status/task-row.js';
import type { TaskStore } from '../../../core/store/task-store.js';
import { type TestStore, startTestStore } from '../../support/dynamo.js';
import { type Seeded, newTask, seedTasks } from './seed.js';

let t: TestStore;
let seeded: Seeded;
let server: Server;
let base: string;

const TOKEN = 'status-token-for-tests';
/** A request with the token, as a script would send it. */
const get = (url: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });

beforeAll(async () => {
  t = await startTestStore();
  seeded = await seedTasks(t.store);
  await t.store.create(
    newTask({
      repository: 'octo/evil',
      engineer: '<script>alert(1)</script>',
      trigger: { kind: 'cli', text: '<b>x</b>' },
    }),
  );
  const handler = statusPageHandler(t.store, { token: TOKEN });
  server = createServer((req, res) => {
    void (async () => {
      // As Probot's server does: the next handler answers what this one leaves.
      if (!(await handler(req, res)))
        res.writeHead(404, { 'content-type': 'text/plain' }).end('next handler');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

describe('GET /status', () => {
  it('serves the page with the recent tasks and the spend, escaped, without script', async () => {
    const response = await get(`${base}/status`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('<meta http-equiv="refresh" content="10">');
    expect(html).toContain(
      '<a href="https://github.com/octo/app/issues/12" title="issue #12">octo/app#12</a>',
    );
    expect(html).toContain(
      '<a href="https://github.com/octo/lib/pull/34" title="pull request #34">octo/lib#34</a>',
    );
    expect(html).toContain('<a href="https://github.com/octo/app/pull/34">#34</a>');
    expect(html).toContain(`<a href="/status/tasks/${seeded.succeeded.id}"`);
    expect(html).toContain('Per repository');
    expect(html).toContain('Per engineer');
    expect(html).toContain('≥ $0.42 (some unknown)');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('answers HEAD without a body, and refuses other methods', async () => {
    const head = await get(`${base}/status`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await get(`${base}/status`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('GET /api/tasks', () => {
  it('lists recent tasks as rows, newest first', async () => {
    const response = await get(`${base}/api/tasks`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const { tasks } = (await response.json()) as { tasks: TaskRow[] };
    expect(tasks.map((row) => row.target)).toEqual([
      'octo/evil#12',
      'octo/app#13',
      'octo/lib!34',
      'octo/app#12',
    ]);
    expect(tasks[3]).toMatchObject({
      id: seeded.succeeded.id,
      trigger: 'issue_label',
      engineer: 'alice',
      status: 'succeeded',
      turns: 7,
      tokens: 12_000,
      costUsd: 0.42,
      cost: '$0.42',
      pullRequestUrl: 'https://github.com/octo/app/pull/34',
    });
  });

  it('filters by repository and limits', async () => {
    const app = (await (await get(`${base}/api/tasks?repo=octo/app&limit=1`)).json()) as {
      tasks: TaskRow[];
    };
    expect(app.tasks.map((row) => row.id)).toEqual([seeded.queued.id]);
  });

  it('refuses a bad limit or repository', async () => {
    expect((await get(`${base}/api/tasks?limit=0`)).status).toBe(400);
    expect((await get(`${base}/api/tasks?limit=abc`)).status).toBe(400);
    expect((await get(`${base}/api/tasks?repo=not-a-repo`)).status).toBe(400);
  });
});

describe('GET /status/tasks/<id>', () => {
  it('serves the task’s page: its record, links and progress log, escaped, without script', async () => {
    const response = await get(`${base}/status/tasks/${seeded.succeeded.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain(`<h1>Task ${seeded.succeeded.id}</h1>`);
    expect(html).toContain(
      '<a href="https://github.com/octo/app/pull/34">https://github.com/octo/app/pull/34</a>',
    );
    expect(html).toContain('<h2>Progress log</h2>');
    expect(html).not.toMatch(/<script/i);
  });

  it('is a 404 for an unknown task, and only with the token', async () => {
    expect((await get(`${base}/status/tasks/NOPE`)).status).toBe(404);
    expect((await fetch(`${base}/status/tasks/${seeded.succeeded.id}`)).status).toBe(401);
  });
});

describe('GET /api/tasks/<id>', () => {
  it('answers the task and its progress log', async () => {
    const response = await get(`${base}/api/tasks/${seeded.succeeded.id}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      task: { id: string; status: string };
      log: { phase: string }[];
    };
    expect(body.task).toMatchObject({ id: seeded.succeeded.id, status: 'succeeded' });
    expect(body.log.map((entry) => entry.phase)).toEqual(['preparing', 'working']);
  });

  it('is a 404 for an unknown task', async () => {
    const response = await get(`${base}/api/tasks/NOPE`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no task NOPE' });
  });
});

describe('the token', () => {
  const paths = () => ['/status', '/api/tasks', `/api/tasks/${seeded.succeeded.id}`];

  it('without it, or with a wrong one: 401 and no data, for every path and method', async () => {
    for (const path of paths()) {
      const attempts: RequestInit[] = [
        {},
        { headers: { authorization: 'Bearer wrong' } },
        { headers: { cookie: 'nightshift_status=wrong' } },
        { method: 'HEAD' },
        { method: 'POST' },
      ];
      for (const init of attempts) {
        const response = await fetch(`${base}${path}`, init);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer realm="nightshift"');
        const body = await response.text();
        expect(body).not.toContain('octo/');
        expect(body).not.toContain(seeded.succeeded.id);
      }
      expect((await fetch(`${base}${path}?token=wrong`)).status).toBe(401);
    }
  });

  it('in the query: 200, and a cookie that then stands for it', async () => {
    const response = await fetch(`${base}/status?token=${TOKEN}`);
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toBe(`nightshift_status=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`);
    const again = await fetch(`${base}/api/tasks`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('as a bearer: 200', async () => {
    for (const path of paths()) expect((await get(`${base}${path}`)).status).toBe(200);
  });
});

describe('other paths', () => {
  it('go on to the next handler, with no token asked', async () => {
    for (const path of ['/', '/api/github/webhooks', '/statusx', '/api/tasks/a/b']) {
      const response = await fetch(`${base}${path}`);
      expect(await response.text()).toBe('next handler');
    }
  });
});

describe('renderStatusResponse', () => {
  it('answers in a Function URL’s shape, with its query parameters', async () => {
    const response = await renderStatusResponse(t.store, '/api/tasks', { repo: 'octo/lib', limit: '5' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((JSON.parse(response.body) as { tasks: TaskRow[] }).tasks.map((row) => row.id)).toEqual([
      seeded.running.id,
    ]);
    expect((await renderStatusResponse(t.store, '/elsewhere', undefined)).statusCode).toBe(404);
  });

  it('answers 500 through the handler when the store fails', async () => {
    const broken: TaskStore = Object.assign(Object.create(t.store) as TaskStore, {
      listRecent: () => Promise.reject(new Error('connection refused')),
    });
    const failing = statusPageHandler(broken, { token: TOKEN });
    let status = 0;
    let body = '';
    const res = {
      writeHead(code: number) {
        status = code;
        return res;
      },
      end(text?: string) {
        body = text ?? '';
        return res;
      },
    };
    const handled = await failing(
      { url: '/status', method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } } as never,
      res as never,
    );
    expect(handled).toBe(true);
    expect(status).toBe(500);
    expect(body).toContain('connection refused');
  });
});
