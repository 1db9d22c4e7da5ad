/**
 * Everything the demo starts, and the one way to take it all down again: the simulated GitHub
 * (the tests' fake, checked against GitHub's OpenAPI description, with the repository served over
 * git) and its web pages, the scripted model, and `npm start`'s server as a child process, exactly
 * as `npm start` runs it, pointed at the stand-ins by its environment.
 *
 * The server is isolated from the user's own setup: its working folder is an empty folder of the
 * demo's (so no `.env` of theirs is read), its data folder and its tasks' workspaces are the
 * demo's too (never `.data/`), and every variable it needs is set here, with a generated App key
 * and webhook secret. Removing the demo's folder removes everything it made.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cancelTask } from '../../cli/cancel.js';
import { isTerminal } from '../../core/task.js';
import { startFakeGitHub, type FakeGitHub } from '../../test/support/fake-github/index.js';
import { startLocalServer, type LocalServer } from '../../test/support/local-server.js';
import { startScriptedModel, type ScriptedModel } from '../../test/support/scripted-model/index.js';
import { DEMO_FILES, DEMO_REPO, DEMO_REPO_NAME, ENGINEER, REPORTER, demoScript } from './story.js';
import { startWebView, type WebView } from './web-view.js';

/**
 * How long the server lets a running task finish when the demo is stopped mid-task. The demo
 * cancels it first, so it ends at its next turn, by itself: its tools stopped, its workspace and
 * its tools' uid given back. Only past this does the server end the agent process by signal.
 */
const SHUTDOWN_GRACE_MS = 20_000;

export interface World {
  /** The demo's own folder: the server's data and working folders; removed at the end. */
  root: string;
  dataDir: string;
  github: FakeGitHub;
  web: WebView;
  model: ScriptedModel;
  server: LocalServer;
  /** Stops the server (its tasks end cleanly), the stand-ins, and removes `root`. Runs once. */
  close(): Promise<void>;
}

/** Undo steps, run last-first; each one's failure is reported but does not stop the rest. */
class Teardown {
  private readonly steps: Array<() => Promise<unknown>> = [];
  private done: Promise<void> | undefined;

  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of this.steps.reverse()) {
        await step().catch((error: unknown) => console.error(`demo: clean-up step failed: ${String(error)}`));
      }
    })();
    return this.done;
  }
}

/** Sets the cancel flag of every task not yet ended, as `nightshift cancel` does. */
async function cancelUnfinished(server: LocalServer): Promise<void> {
  const { store } = await server.store();
  const unfinished = (await store.listRecent(50)).filter((task) => !isTerminal(task.status));
  await Promise.all(unfinished.map((task) => cancelTask(store, task.id)));
}

async function stopServer(server: LocalServer): Promise<void> {
  const stopped = server.kill('SIGTERM');
  const late = new Promise<'late'>((resolve) =>
    setTimeout(() => resolve('late'), SHUTDOWN_GRACE_MS + 10_000).unref(),
  );
  // The server's process group, agent processes included, if it did not end by itself.
  if ((await Promise.race([stopped, late])) === 'late') await server.kill('SIGKILL');
}

export interface WorldOptions {
  /** Copy the server's log to this stream as it comes (`--verbose`). */
  serverLog?: NodeJS.WritableStream;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const teardown = new Teardown();
  try {
    const root = await mkdtemp(join(tmpdir(), 'nightshift-demo-'));
    teardown.push(() => rm(root, { recursive: true, force: true }));
    // As root the tools run as a uid of their own, and their sandbox hides the data folder by
    // mounting over it: that uid must be able to pass through (not list) the folder above it.
    await chmod(root, 0o711);
    const dataDir = join(root, 'data');
    const appDir = join(root, 'app');
    await mkdir(appDir);
    // The tasks' workspaces too: what a task stopped mid-way leaves goes with the demo's folder.
    const tasksDir = join(root, 'tasks');
    await mkdir(tasksDir, { mode: 0o711 });

    // The fake hands out its pages' addresses (`html_url`), so the pages listen first.
    const shown: { github?: FakeGitHub } = {};
    const web = await startWebView(() => shown.github, DEMO_REPO_NAME);
    teardown.push(() => web.close());
    const fake = await startFakeGitHub({ webUrl: web.url, appName: 'Nightshift (demo)' });
    shown.github = fake;
    teardown.push(() => fake.close());
    await fake.addRepo({ owner: DEMO_REPO.owner, name: DEMO_REPO.name, files: DEMO_FILES });
    fake.setPermission(DEMO_REPO_NAME, ENGINEER, 'write');
    fake.setPermission(DEMO_REPO_NAME, REPORTER, 'read');

    const model = await startScriptedModel(demoScript());
    teardown.push(() => model.close());

    const server = await startLocalServer({
      github: fake,
      model,
      secret: randomBytes(20).toString('hex'),
      anthropicKey: `sk-ant-demo-${randomBytes(12).toString('hex')}`,
      dataDir,
      cwd: appDir,
      env: {
        TMPDIR: tmpdir(),
        NIGHTSHIFT_WORK_ROOT: tasksDir,
        NIGHTSHIFT_RUNNER: 'local',
        NIGHTSHIFT_PROGRESS_INTERVAL_MS: '500',
        NIGHTSHIFT_SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
        ...(process.env.LANG ? { LANG: process.env.LANG } : {}),
      },
    });
    teardown.push(() => stopServer(server));
    teardown.push(() => cancelUnfinished(server));
    if (options.serverLog) {
      const sink = options.serverLog;
      sink.write(server.output());
      server.process.stdout?.on('data', (chunk: Buffer) => sink.write(chunk));
      server.process.stderr?.on('data', (chunk: Buffer) => sink.write(chunk));
    }
    return { root, dataDir, github: fake, web, model, server, close: () => teardown.run() };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}
