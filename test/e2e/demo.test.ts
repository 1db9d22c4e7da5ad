/**
 * `npm run demo`, as a newcomer runs it: the whole flow through `npm start`'s server against the
 * loopback stand-ins ends in a draft pull request with the fix, and whether it ends by itself
 * (`--exit`) or by Ctrl-C in the middle of the task, no process and no folder of it is left.
 *
 * Each run gets a temporary folder of its own as TMPDIR, passed on to the app and its agent
 * processes, so what is left there, and which processes still carry it, is what the demo left.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_BANNER } from '../../scripts/demo/report.js';

const PROJECT = resolve(import.meta.dirname, '../..');
/** About half a minute each on an idle 2-core machine; several times that on a busy one. */
const TIMEOUT_MS = 180_000;

interface Run {
  tmp: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Ctrl-C as a terminal sends it: to the whole foreground process group. */
  interrupt(): void;
}

const runs: Run[] = [];

async function startDemo(args: string[]): Promise<Run> {
  const tmp = await mkdtemp(join(tmpdir(), 'nightshift-demo-test-'));
  await chmod(tmp, 0o711); // as /tmp is to the tools' own uid: passable
  const child = spawn('npm', ['run', 'demo', '--', ...args], {
    cwd: PROJECT,
    detached: true, // a process group of its own, like a terminal's foreground job
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: tmp },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const run: Run = {
    tmp,
    output: () => output,
    exited: new Promise((done) => child.once('exit', (code, signal) => done({ code, signal }))),
    interrupt: () => {
      if (child.exitCode === null && child.signalCode === null && child.pid)
        process.kill(-child.pid, 'SIGINT');
    },
  };
  runs.push(run);
  return run;
}

/** Processes whose environment holds this run's TMPDIR: the demo, the app, its agent processes. */
async function processesOf(run: Run): Promise<string[]> {
  const marker = `\0TMPDIR=${run.tmp}\0`;
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((name) => /^\d+$/.test(name))) {
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (`\0${environ}`.includes(marker)) {
      found.push(
        `${pid}: ${(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ')}`,
      );
    }
  }
  return found;
}

/**
 * What the run left in its TMPDIR, less what is not the demo's: the compile caches of tsx
 * (`tsx-<uid>`) and Node 22 (`node-compile-cache`), kept by design between runs, and the agents'
 * shared uid-lock folder, which must hold no lock.
 */
async function leftIn(run: Run): Promise<string[]> {
  const left: string[] = [];
  for (const name of await readdir(run.tmp)) {
    if (/^tsx-\d+$/.test(name) || name === 'node-compile-cache') continue;
    if (name === 'nightshift-uids' && (await readdir(join(run.tmp, name))).length === 0) continue;
    left.push(name);
  }
  return left;
}

function demoFolder(output: string): string {
  const folder = /store in (\S+)\/data /.exec(output)?.[1];
  if (!folder) throw new Error(`the demo did not say where its folder is:\n${output}`);
  return folder;
}

async function waitForOutput(run: Run, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.interrupt();
    await run.exited;
    await rm(run.tmp, { recursive: true, force: true });
  }
});

describe('npm run demo', () => {
  it(
    '--exit: labels the issue, the task opens a draft PR with the fix, then exits 0 leaving nothing',
    async () => {
      const run = await startDemo(['--exit']);
      const { code } = await run.exited;
      const output = run.output();
      expect(code, output).toBe(0);

      expect(output).toContain(DEMO_BANNER);
      expect(output).toMatch(/ada \(write access\) labels it `agent`.*answers 20\d/);
      expect(output).toMatch(/Task \w+ succeeded in \d+s/);
      expect(output).toContain('Draft pull request #2: pluralize(0, "file") says "0 file"');
      expect(output).toMatch(
        /nightshift\/issue-1-[\w-]+ → main · assigned to ada · check run nightshift: success/,
      );
      // The pull request's text as Nightshift wrote it, and the fix in its diff.
      expect(output).toContain('│ Closes #1');
      expect(output).toContain('│ - `npm test`: passed');
      expect(output).toContain("│ -  return `${count} ${count > 1 ? noun + 's' : noun}`;");
      expect(output).toContain("│ +  return `${count} ${count === 1 ? noun : noun + 's'}`;");

      expect(existsSync(demoFolder(output))).toBe(false);
      expect(await leftIn(run)).toEqual([]);
      expect(await processesOf(run)).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    'Ctrl-C while the task runs: the app, its task and the stand-ins stop, and nothing is left',
    async () => {
      const run = await startDemo([]);
      await waitForOutput(run, 'running · working');
      run.interrupt();
      const { code, signal } = await run.exited;
      const output = run.output();
      expect({ code, signal }, output).not.toEqual({ code: 0, signal: null });
      expect(output).toContain('Stopping the demo');
      expect(output).toContain('Stopped.');
      expect(output).not.toContain('The app keeps running');

      expect(existsSync(demoFolder(output))).toBe(false);
      expect(await leftIn(run)).toEqual([]);
      expect(await processesOf(run)).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
