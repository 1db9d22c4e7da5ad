/**
 * The loopback stand-ins in a process of their own: dynalite, the fake GitHub and the scripted
 * model, driven over IPC by a benchmark (see stand-ins-client.ts). Keeping them out of the
 * measured process is what production looks like (DynamoDB, GitHub and the model API are
 * elsewhere), and on a 2-core machine it gives the code under test a core of its own.
 *
 * Ends itself when its parent goes away.
 */
import { rm, symlink } from 'node:fs/promises';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../core/store/embedded.js';
import { LOCAL_CREDENTIALS } from '../../core/store/connect.js';
import { payloadFor, startFakeGitHub, type FakeGitHub } from '../../test/support/fake-github/index.js';
import { startScriptedModel, type ScriptedModel } from '../../test/support/scripted-model/index.js';
import type { ReplyStep } from '../../test/support/scripted-model/index.js';
import type { StandInRequest, StandInResponse } from './stand-ins-client.js';

let dynamo: EmbeddedDynamo | undefined;
let github: FakeGitHub | undefined;
let model: ScriptedModel | undefined;

function mustGitHub(): FakeGitHub {
  if (!github) throw new Error('stand-ins: start github first');
  return github;
}

function mustModel(): ScriptedModel {
  if (!model) throw new Error('stand-ins: no model started');
  return model;
}

const CALC_FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'calc', version: '1.0.0', scripts: { test: 'node test.js' } }),
  'math.js': 'exports.add = (a, b) => a - b;\n',
  'test.js': "const assert = require('assert');\nassert.strictEqual(require('./math').add(2, 3), 5);\n",
  '.github/nightshift.yml': 'test: node test.js\nlimits:\n  turns: 40\n',
  'README.md': '# calc\n',
};

const methods: Record<string, (params: Record<string, unknown>) => Promise<unknown>> = {
  async dynamo() {
    // The benchmarks' clients sign with the placeholder loopback credential (connect.ts).
    dynamo ??= await startEmbeddedDynamo({ credentials: LOCAL_CREDENTIALS });
    return { endpoint: dynamo.endpoint };
  },

  async github() {
    github ??= await startFakeGitHub();
    return { url: github.url, appId: github.appId, privateKey: github.privateKey, botLogin: github.botLogin };
  },

  /** acme/calc with its config, alice (write) and bob (read), a pull request and `issues` open issues. */
  async seedCalc(params) {
    const fake = mustGitHub();
    const count = Number(params.issues ?? 100);
    await fake.addRepo({ owner: 'acme', name: 'calc', files: CALC_FILES });
    fake.setPermission('acme/calc', 'alice', 'write');
    fake.setPermission('acme/calc', 'bob', 'read');
    await fake.commitFiles('acme/calc', 'feature/faster-add', {
      'math.js': 'exports.add = (a, b) => a + b;\n',
    });
    const pr = await fake.addPullRequest('acme/calc', {
      head: 'feature/faster-add',
      title: 'Make add add',
      user: 'alice',
    });
    const issues: number[] = [];
    for (let i = 0; i < count; i++) {
      issues.push(fake.addIssue('acme/calc', { title: `Task ${i}: tidy module ${i}`, user: 'alice' }).number);
    }
    return { repo: 'acme/calc', prNumber: pr.number, issues };
  },

  async payload(params) {
    return payloadFor(
      mustGitHub(),
      String(params.repo),
      String(params.event),
      params.action === undefined ? undefined : String(params.action),
      (params.overrides ?? {}) as Record<string, unknown>,
    );
  },

  async token(params) {
    return mustGitHub().tokenFor(String(params.repo));
  },

  /** Registers `owner/name` served from an existing bare repository (symlinked into the fake). */
  async bareRepo(params) {
    const fake = mustGitHub();
    const repo = await fake.addRepo({ owner: String(params.owner), name: String(params.name) });
    await rm(repo.gitDir, { recursive: true, force: true });
    await symlink(String(params.gitDir), repo.gitDir, 'dir');
    return { cloneUrl: repo.cloneUrl };
  },

  /** How many calls the fake answered, per operation (to show what each side did). */
  async calls() {
    const counts: Record<string, number> = {};
    for (const call of mustGitHub().calls) {
      const key = `${call.operationId ?? call.path} ${call.status}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  },

  /** A comment on an issue or pull request's conversation; its id. */
  async addComment(params) {
    const comment = mustGitHub().addComment(String(params.repo), Number(params.number), {
      body: String(params.body),
      user: String(params.user),
    });
    return { id: comment.id };
  },

  /**
   * What happened since `calls` GitHub calls and `requests` model requests: each call's operation,
   * the check-run state it wrote, and when it was answered; each request's arrival and answer.
   */
  async timeline(params) {
    const calls = mustGitHub()
      .calls.slice(Number(params.calls ?? 0))
      .map((c) => {
        const body = (c.body ?? {}) as { status?: unknown; conclusion?: unknown };
        return {
          method: c.method,
          operation: c.operationId ?? c.path,
          status: c.status,
          ...(typeof body.status === 'string' ? { checkStatus: body.status } : {}),
          ...(typeof body.conclusion === 'string' ? { conclusion: body.conclusion } : {}),
          at: c.doneAt,
        };
      });
    const requests = mustModel()
      .requests.slice(Number(params.requests ?? 0))
      .map((r) => ({ receivedAt: r.receivedAt, answeredAt: r.answeredAt }));
    return {
      calls,
      requests,
      totals: { calls: mustGitHub().calls.length, requests: mustModel().requests.length },
    };
  },

  /** Steps for the running model to play next. */
  async modelPush(params) {
    mustModel().push(...(params.script as ReplyStep[]));
    return { remaining: mustModel().remaining };
  },

  /** A fresh scripted model (fresh prompt cache) playing `script`. */
  async model(params) {
    await model?.close();
    model = await startScriptedModel(params.script as ReplyStep[]);
    return { url: model.url };
  },

  async modelReport() {
    if (!model) throw new Error('stand-ins: no model started');
    return {
      usages: model.usages,
      errors: model.errors.map((e) => e.message),
      requests: model.requests.length,
      remaining: model.remaining,
    };
  },
};

async function shutdown(): Promise<void> {
  await Promise.allSettled([model?.close(), github?.close(), dynamo?.close()]);
  process.exit(0);
}

process.on('message', (raw) => {
  const request = raw as StandInRequest;
  if (request.method === 'close') {
    void shutdown();
    return;
  }
  const method = methods[request.method];
  const answer = (response: StandInResponse) => process.send?.(response);
  if (!method) {
    answer({ id: request.id, error: `unknown method ${request.method}` });
    return;
  }
  method(request.params ?? {}).then(
    (result) => answer({ id: request.id, result }),
    (error: unknown) =>
      answer({
        id: request.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
process.on('disconnect', () => void shutdown());
process.send?.({ id: 0, result: 'ready' } satisfies StandInResponse);
