/**
 * Reliability at the front door: signatures, base64 bodies, a delivery storm, and oversized
 * input. Through both webhook paths: the Lambda Function URL handler (one Probot per "container",
 * as functions/webhook/handler.ts builds it, on a store whose transactions conflict as DynamoDB's
 * do) and `npm start`'s server in its own process, which also runs a whole agent task.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminal, type Task } from '../../core/task.js';
import { MAX_TRIGGER_TEXT } from '../../core/triggers.js';
import { startTestStore, type TestStore } from '../support/dynamo.js';
import {
  payloadFor,
  signedDelivery,
  startFakeGitHub,
  type FakeGitHub,
  type SignedDelivery,
} from '../support/fake-github/index.js';
import { ANTHROPIC_KEY, CALC_FILES, REPO, WEBHOOK_SECRET } from '../support/harness.js';
import { startLocalServer, type LocalServer } from '../support/local-server.js';
import {
  bash,
  done,
  editor,
  startScriptedModel,
  toolResultsOf,
  type ScriptedModel,
} from '../support/scripted-model/index.js';
import { RecordingDispatcher, functionUrlEvent, waitFor, webhookContainer } from './support.js';

const MB = 1024 * 1024;

describe('reliability: the webhook front door', () => {
  let github: FakeGitHub;
  let model: ScriptedModel;
  let db: TestStore;
  let server: LocalServer;
  const dispatcher = new RecordingDispatcher();

  beforeAll(async () => {
    [github, model, db] = await Promise.all([
      startFakeGitHub(),
      startScriptedModel(),
      startTestStore({ transactionConflicts: 'cancel' }),
    ]);
    await github.addRepo({
      owner: 'acme',
      name: 'calc',
      files: {
        ...CALC_FILES,
        'logo.gif': `GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000${'\u0000'.repeat(64)}`,
      },
    });
    github.setPermission(REPO, 'alice', 'write');
    server = await startLocalServer({ github, model, secret: WEBHOOK_SECRET, anthropicKey: ANTHROPIC_KEY });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([github?.close(), model?.close(), db?.close()]);
  });

  /** A labelled-issue delivery for a new issue. */
  async function labelled(
    title: string,
    body = 'Fix it.',
    sender = 'alice',
  ): Promise<{ number: number; payload: object }> {
    const issue = github.addIssue(REPO, { title, body, user: 'bob' });
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'agent' },
      sender: { login: sender },
    });
    return { number: issue.number, payload };
  }

  const tasksFor = async (number: number) =>
    (await db.store.listRecent(200)).filter((t) => t.target.number === number);

  async function serverTasksFor(number: number): Promise<Task[]> {
    const { store } = await server.store();
    return (await store.listRecent(200)).filter((t) => t.target.number === number);
  }

  async function postToServer(delivery: SignedDelivery, headers: Record<string, string | undefined> = {}) {
    const merged: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...delivery.headers, ...headers })) {
      if (value !== undefined) merged[name] = value;
    }
    const response = await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: merged,
      body: delivery.body,
    });
    return { status: response.status, body: await response.text() };
  }

  it('case 1: a wrong, missing or SHA-1-only signature → 401, nothing stored or started', async () => {
    const lambda = webhookContainer({ github, db, dispatcher });
    // Sent by someone without write access, so the accepted copy at the end starts no agent here.
    const { number, payload } = await labelled('Unsigned', 'Fix it.', 'mallory');
    const good = signedDelivery('issues', payload, WEBHOOK_SECRET);
    const wrong = signedDelivery('issues', payload, 'not-the-secret');
    const variants: Array<{ name: string; delivery: SignedDelivery; headers?: Record<string, undefined> }> = [
      { name: 'wrong secret', delivery: wrong },
      {
        name: 'missing',
        delivery: good,
        headers: { 'x-hub-signature-256': undefined, 'x-hub-signature': undefined },
      },
      { name: 'SHA-1 only', delivery: good, headers: { 'x-hub-signature-256': undefined } },
      {
        name: 'signature of another body',
        delivery: { ...good, body: good.body.replace('"agent"', '"Agent"') },
      },
    ];
    for (const { name, delivery, headers } of variants) {
      const viaLambda = await lambda(functionUrlEvent(delivery, headers ? { headers } : {}));
      expect(viaLambda.statusCode, `Lambda, ${name}`).toBe(401);
      const viaServer = await postToServer(delivery, headers);
      expect(viaServer.status, `npm start, ${name}`).toBe(401);
      expect(viaServer.body).toMatch(/signature/);
    }
    expect(await tasksFor(number)).toEqual([]);
    expect(dispatcher.sent).toEqual([]);
    expect(await serverTasksFor(number)).toEqual([]);
    // The same delivery, correctly signed, is accepted by both: the refusals were the signatures.
    expect((await lambda(functionUrlEvent(good))).statusCode).toBe(202);
    expect((await postToServer(good)).status).toBe(200);
    expect(await tasksFor(number)).toHaveLength(1);
    await waitFor('the server to record the task', async () => (await serverTasksFor(number)).length === 1);
  });

  it('case 2: a base64-encoded body (Function URL) → decoded, HMAC checked over the raw bytes, accepted', async () => {
    const lambda = webhookContainer({ github, db, dispatcher });
    // Multi-byte characters: the signature covers their UTF-8 bytes, not the base64 text.
    const { number, payload } = await labelled('Café ✓ 🚀 — naïve añadir', 'Ünïcödé body 日本語');
    const delivery = signedDelivery('issues', payload, WEBHOOK_SECRET);
    const answer = await lambda(functionUrlEvent(delivery, { base64: true }));
    expect(answer.statusCode).toBe(202);
    expect(answer.body.status).toBe('created');
    const [task, ...others] = await tasksFor(number);
    expect(others).toEqual([]);
    expect(task?.trigger.text).toContain('Café ✓ 🚀 — naïve añadir');
    expect(task?.trigger.text).toContain('日本語');

    // One byte changed inside the encoded body: the signature no longer matches.
    const bytes = Buffer.from(delivery.body);
    bytes[bytes.indexOf('Caf') + 1] = 'b'.charCodeAt(0);
    const tampered = { headers: delivery.headers, body: bytes.toString('utf8') };
    expect((await lambda(functionUrlEvent(tampered, { base64: true }))).statusCode).toBe(401);

    // Bytes that are not UTF-8, correctly signed over the raw bytes: refused, never half-decoded.
    const raw = Buffer.concat([Buffer.from(delivery.body.slice(0, -1)), Buffer.from([0xff, 0x7d])]);
    const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`;
    const event = functionUrlEvent(
      { headers: { ...delivery.headers, 'x-github-delivery': 'not-utf8' }, body: '' },
      { headers: { 'x-hub-signature-256': signature } },
    );
    event.body = raw.toString('base64');
    event.isBase64Encoded = true;
    expect((await lambda(event)).statusCode).toBe(400);
    expect(await tasksFor(number)).toHaveLength(1);
  });

  it('case 3: one delivery id 50 times, concurrently → one task; the rest answered 2xx as duplicates', async () => {
    const before = dispatcher.sent.length;
    const { number, payload } = await labelled('Storm');
    const delivery = signedDelivery('issues', payload, WEBHOOK_SECRET, { deliveryId: 'storm-delivery-1' });
    // Fifty Lambda instances, each with its own Probot, answering the same delivery at once.
    const containers = Array.from({ length: 50 }, () => webhookContainer({ github, db, dispatcher }));
    const answers = await Promise.all(containers.map((deliver) => deliver(functionUrlEvent(delivery))));
    expect(answers.filter((a) => a.statusCode >= 300)).toEqual([]);
    const created = answers.filter((a) => a.body.status === 'created');
    const duplicates = answers.filter((a) => a.body.status === 'duplicate');
    expect(created).toHaveLength(1);
    expect(created[0]?.statusCode).toBe(202);
    expect(duplicates).toHaveLength(49);
    const tasks = await tasksFor(number);
    expect(tasks).toHaveLength(1);
    expect(duplicates.every((a) => a.body.taskId === tasks[0]?.id)).toBe(true);
    const dispatched = dispatcher.sent.slice(before);
    expect(dispatched).toEqual([{ type: 'dispatch', taskId: tasks[0]?.id }]);
  });

  it('case 20: a 26 MB webhook, a 5 MB issue body, a 100,000-line output and a binary file → refused or cut with a clear message; the server keeps serving', async () => {
    // 26 MB to the Lambda handler: 413, nothing recorded.
    const lambda = webhookContainer({ github, db, dispatcher });
    const { number: hugeNumber, payload: small } = await labelled('Huge');
    const huge = signedDelivery('issues', { ...small, padding: 'x'.repeat(26 * MB) }, WEBHOOK_SECRET);
    const viaLambda = await lambda(functionUrlEvent(huge));
    expect(viaLambda.statusCode).toBe(413);
    expect(viaLambda.body.error).toMatch(/too large/);
    expect(viaLambda.body.error).toMatch(/25 MB/);
    expect(await tasksFor(hugeNumber)).toEqual([]);

    // 26 MB to npm start's server, announced by content-length: refused before the body is sent,
    // so nothing was buffered. Only 1 KB of it is ever written here.
    const early = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${server.url}/api/github/webhooks`, {
        method: 'POST',
        headers: { ...huge.headers, 'content-length': String(Buffer.byteLength(huge.body)) },
      });
      req.once('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.once('error', reject);
      req.write(huge.body.slice(0, 1024));
    });
    expect(early.status).toBe(413);
    expect(early.body).toMatch(/too large/);
    // The whole 26 MB, and 26 MB streamed without a content-length: refused too.
    expect((await postToServer(huge)).status).toBe(413);
    const chunk = new Uint8Array(MB).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 26; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const streamed = await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: huge.headers,
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await serverTasksFor(hugeNumber)).toEqual([]);
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);

    // The server keeps serving: a 5 MB issue body, through the whole product.
    const fiveMb = `Please make add() add.\n${'lorem ipsum dolor sit amet '.repeat((5 * MB) / 27)}`;
    let systemPrompt = '';
    let bigOutput = '';
    let binaryView = { text: '', isError: false };
    model.push(
      (request) => {
        systemPrompt = JSON.stringify(request.body.system);
        return bash('seq 1 100000');
      },
      (request) => {
        bigOutput = toolResultsOf(request)[0]?.text ?? '';
        return editor({ command: 'view', path: 'logo.gif' });
      },
      (request) => {
        const result = toolResultsOf(request)[0];
        binaryView = { text: result?.text ?? '', isError: result?.is_error ?? false };
        return editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' });
      },
      done('Fixed add().'),
    );
    const { number, payload } = await labelled('Big body', fiveMb);
    expect((await postToServer(signedDelivery('issues', payload, WEBHOOK_SECRET))).status).toBe(200);
    const task = await waitFor(
      'the 5 MB task to end',
      async () => (await serverTasksFor(number)).find((t) => isTerminal(t.status)),
      60_000,
    );
    expect(task.status, task.error).toBe('succeeded');
    // The trigger text kept on the task is cut (a DynamoDB item must stay under 400 KB) …
    expect(task.trigger.text.length).toBeLessThanOrEqual(MAX_TRIGGER_TEXT);
    expect(task.trigger.text).toMatch(/truncated: [\d,]+ more characters not shown/);
    // … and so is the issue body in the prompt, with a note saying so.
    expect(systemPrompt.length).toBeLessThan(60_000);
    expect(systemPrompt).toContain('Please make add() add.');
    expect(systemPrompt).toMatch(/truncated: \d+ more characters not shown/);
    // 100,000 lines of output: head and tail kept, the middle cut with a note.
    expect(bigOutput.length).toBeLessThan(40_000);
    expect(bigOutput).toMatch(/^1\n2\n3\n/);
    expect(bigOutput).toMatch(/100000$/);
    expect(bigOutput).toMatch(/\[\.\.\. [\d,]+ characters \([\d,]+ lines\) cut \.\.\.\]/);
    // A binary file in the editor: an error the model can act on, not bytes.
    expect(binaryView.isError).toBe(true);
    expect(binaryView.text).toMatch(/logo\.gif is a binary file .*GIF image.*text files only/);
    expect(model.errors).toEqual([]);
  });

  it('case 36: eight unfinished 24 MB webhooks at once → one is read, the others answered 503 with Retry-After before more is read; memory stays flat; room comes back', async () => {
    const pid = server.process.pid!;
    const rss = () =>
      Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
    // A correctly signed 24 MB delivery that starts no work (a label that is not the trigger).
    const issue = github.addIssue(REPO, { title: 'In flight', body: 'x', user: 'bob' });
    const payload = await payloadFor(github, REPO, 'issues', 'labeled', {
      issue: { number: issue.number },
      label: { name: 'documentation' },
      sender: { login: 'alice' },
    });
    const big = (id: string) =>
      signedDelivery('issues', { ...payload, padding: 'x'.repeat(24 * MB) }, WEBHOOK_SECRET, {
        deliveryId: id,
      });

    /** A slow upload: announces the body (or not), sends `bytes` of it, and waits. */
    function upload(delivery: SignedDelivery, announce = true) {
      const body = Buffer.from(delivery.body);
      const req: ClientRequest = httpRequest(`${server.url}/api/github/webhooks`, {
        method: 'POST',
        headers: { ...delivery.headers, ...(announce ? { 'content-length': String(body.length) } : {}) },
      });
      req.on('error', () => undefined); // a refused upload may be cut off
      let sent = 0;
      const answer = new Promise<{ status: number; retryAfter?: string; sentBefore: number }>((resolve) => {
        req.once('response', (res: IncomingMessage) => {
          const sentBefore = sent;
          res.resume();
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], sentBefore }),
          );
        });
      });
      const send = async (upTo: number) => {
        // A refused upload may be cut off by the server: then there is nothing more to send.
        while (sent < Math.min(upTo, body.length) && !req.destroyed) {
          const end = Math.min(sent + 256 * 1024, upTo, body.length);
          const flushed = req.write(body.subarray(sent, end));
          sent = end;
          if (!flushed) {
            await new Promise((r) => {
              req.once('drain', r);
              req.once('close', r);
            });
          }
        }
        if (sent === body.length && !req.destroyed) req.end();
      };
      return { answer, send, req, size: body.length };
    }

    const before = rss();
    const uploads = Array.from({ length: 8 }, (_, i) => upload(big(`in-flight-${i}`)));
    // Each announces 24 MB and sends its first megabyte, all at once.
    await Promise.all(uploads.map((u) => u.send(MB)));
    const refused = await waitFor('seven 503s', async () => {
      const settled = await Promise.all(
        uploads.map((u) => Promise.race([u.answer, new Promise((r) => setTimeout(() => r(undefined), 10))])),
      );
      const answered = settled.filter((a) => a !== undefined) as Array<
        Awaited<(typeof uploads)[0]['answer']>
      >;
      return answered.length >= 7 ? answered : undefined;
    });
    expect(refused).toHaveLength(7);
    for (const answer of refused) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe('5');
      expect(answer.sentBefore).toBeLessThanOrEqual(MB); // refused before the rest was sent
    }
    // The one admitted, and the seven refused, send all but their last byte: unfinished bodies.
    await Promise.all(uploads.map((u) => u.send(u.size - 1)));
    await new Promise((r) => setTimeout(r, 500));
    const during = rss();
    // Eight bodies held would be 192 MB more; one held is 24 MB (plus what was dropped, not yet freed).
    expect(during - before).toBeLessThan(96 * MB);
    for (const u of uploads) u.req.destroy();

    // A body without a content-length takes room as it arrives: one of 20 MB holds, a second of
    // 20 MB is refused once the two pass 32 MB; once the first is answered, room comes back.
    const first = upload(big('in-flight-chunked-1'), false);
    await first.send(20 * MB);
    const second = upload(big('in-flight-chunked-2'), false);
    await second.send(20 * MB);
    const secondAnswer = await second.answer;
    expect(secondAnswer.status).toBe(503);
    expect(secondAnswer.sentBefore).toBeLessThanOrEqual(20 * MB);
    second.req.destroy();
    await first.send(first.size);
    expect((await first.answer).status).toBe(200);
    const again = upload(big('in-flight-again'));
    await again.send(again.size);
    expect((await again.answer).status).toBe(200);
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
    expect(await serverTasksFor(issue.number)).toEqual([]);
  });
});
