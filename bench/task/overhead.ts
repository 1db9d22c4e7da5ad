/**
 * Measurement 6, the time around the model: `npm start`'s server (functions/local/server.ts, a
 * child agent process per task) against the fake GitHub and the scripted model (in the stand-ins
 * process, answering at once), so that only Nightshift's own time is counted. For an issue task
 * (the label) and a `/agent fix` task on a pull request, with GitHub's write pacing on (a second
 * between writes, the default) and off: from posting the webhook to the first model request, and
 * from the model's last answer to the concluded check run; and which writes fall in each stretch.
 * The server is warmed with one task of each kind first.
 */
import { loadavg } from 'node:os';
import { ANTHROPIC_KEY, WEBHOOK_SECRET } from '../../test/support/harness.js';
import { startLocalServer, type LocalServer } from '../../test/support/local-server.js';
import { done, editor } from '../../test/support/scripted-model/index.js';
import { StandIns, type CalcSeed, type Timeline } from '../support/stand-ins-client.js';
import { median, round } from '../support/stats.js';
import { QUIET, progress, workerMain } from '../support/worker.js';

export type TaskKind = 'issue' | 'agent-fix';

export interface TaskOverheadRun {
  kind: TaskKind;
  pacing: 'on' | 'off';
  writeIntervalMs: number;
  reps: number;
  /** Medians over the repetitions (ms). */
  toFirstRequestMs: number;
  lastAnswerToConclusionMs: number;
  /** Every repetition's figures, in order. */
  samples: { toFirstRequestMs: number; lastAnswerToConclusionMs: number }[];
  /** GitHub writes of the first repetition: before the first model request, between the last answer and the conclusion, after it. */
  writes: { beforeFirstRequest: string[]; beforeConclusion: string[]; afterConclusion: string[] };
}

export interface TaskOverheadResult {
  runs: TaskOverheadRun[];
  /** The machine's 1-minute load average when the section began: the figures depend on it. */
  loadAverage: number;
}

const REPS = 3;
const REPO = 'acme/calc';
const TASK_TIMEOUT_MS = 120_000;

/** A write as the fake GitHub answered it, named for the report. */
function writeName(call: Timeline['calls'][number]): string {
  const state = call.checkStatus
    ? ` (${[call.checkStatus, call.conclusion].filter(Boolean).join(', ')})`
    : '';
  return `${call.operation}${state}`;
}

const isWrite = (c: Timeline['calls'][number]) =>
  c.method !== 'GET' &&
  !c.operation.startsWith('git:') &&
  c.operation !== 'apps/create-installation-access-token';

const isConclusion = (c: Timeline['calls'][number]) =>
  c.operation.startsWith('checks/') && c.checkStatus === 'completed' && c.conclusion !== 'neutral';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Bench {
  private nextIssue = 0;
  private fixes = 0;

  constructor(
    private readonly standIns: StandIns,
    private readonly seed: CalcSeed,
  ) {}

  /** One task from its webhook to its last write; the timeline of what it did. */
  async task(server: LocalServer, kind: TaskKind, writeIntervalMs: number) {
    const since = (
      await this.standIns.timeline({ calls: Number.MAX_SAFE_INTEGER, requests: Number.MAX_SAFE_INTEGER })
    ).totals;
    const { event, payload } = await this.trigger(kind);
    const posted = Date.now();
    const answer = await server.deliver(event, payload);
    if (answer.status >= 300) throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
    const deadline = posted + TASK_TIMEOUT_MS;
    let timeline = await this.standIns.timeline(since);
    while (!timeline.calls.some(isConclusion)) {
      if (Date.now() > deadline) throw new Error(`${kind}: no conclusion; ${server.output().slice(-2000)}`);
      await sleep(50);
      timeline = await this.standIns.timeline(since);
    }
    // The writes that follow the conclusion (review requests, replies): wait until GitHub is quiet.
    const quietMs = 4 * writeIntervalMs + 1_000;
    for (let seen = timeline.calls.length; ; seen = timeline.calls.length) {
      await sleep(quietMs);
      timeline = await this.standIns.timeline(since);
      if (timeline.calls.length === seen) break;
    }
    return { posted, timeline };
  }

  private async trigger(kind: TaskKind): Promise<{ event: string; payload: Record<string, unknown> }> {
    if (kind === 'issue') {
      const number = this.seed.issues[this.nextIssue++];
      if (number === undefined) throw new Error('out of seeded issues');
      await this.standIns.modelPush([
        editor({ command: 'str_replace', path: 'math.js', old_str: 'a - b', new_str: 'a + b' }),
        done('Fixed add(): it subtracted.'),
      ]);
      const payload = await this.standIns.payload(REPO, 'issues', 'labeled', {
        issue: { number },
        label: { name: 'agent' },
        sender: { login: 'alice' },
      });
      return { event: 'issues', payload };
    }
    const n = ++this.fixes;
    await this.standIns.modelPush([
      editor({ command: 'create', path: `notes-${n}.md`, file_text: `Note ${n}\n` }),
      done(`Added notes-${n}.md.`),
    ]);
    const comment = await this.standIns.addComment(
      REPO,
      this.seed.prNumber,
      `/agent fix add note ${n}`,
      'alice',
    );
    const payload = await this.standIns.payload(REPO, 'issue_comment', 'created', {
      issue: { number: this.seed.prNumber },
      comment: { id: comment.id },
      sender: { login: 'alice' },
    });
    return { event: 'issue_comment', payload };
  }
}

function measure(posted: number, timeline: Timeline) {
  const first = timeline.requests[0];
  const last = timeline.requests.at(-1);
  const conclusion = timeline.calls.find(isConclusion);
  if (!first || !last?.answeredAt || !conclusion) throw new Error('incomplete timeline');
  const writes = timeline.calls.filter(isWrite);
  return {
    toFirstRequestMs: first.receivedAt - posted,
    lastAnswerToConclusionMs: conclusion.at - last.answeredAt,
    writes: {
      beforeFirstRequest: writes.filter((c) => c.at < first.receivedAt).map(writeName),
      beforeConclusion: writes.filter((c) => c.at > last.answeredAt! && c.at <= conclusion.at).map(writeName),
      afterConclusion: writes.filter((c) => c.at > conclusion.at).map(writeName),
    },
  };
}

async function main(): Promise<TaskOverheadResult> {
  const loadAverage = round(loadavg()[0] ?? 0, 2);
  const standIns = await StandIns.start();
  const runs: TaskOverheadRun[] = [];
  try {
    const github = await standIns.github();
    const { url } = await standIns.model([]);
    const seed = await standIns.seedCalc(2 * (REPS + 1));
    const bench = new Bench(standIns, seed);
    for (const writeIntervalMs of [1000, 0]) {
      const pacing = writeIntervalMs > 0 ? 'on' : 'off';
      const server = await startLocalServer({
        github,
        model: { url },
        secret: WEBHOOK_SECRET,
        anthropicKey: ANTHROPIC_KEY,
        env: {
          ...QUIET,
          NIGHTSHIFT_GITHUB_WRITE_INTERVAL_MS: String(writeIntervalMs),
          NIGHTSHIFT_PROGRESS_INTERVAL_MS: '10000',
        },
      });
      try {
        progress(`task overhead, pacing ${pacing}: warming up`);
        await bench.task(server, 'issue', writeIntervalMs);
        await bench.task(server, 'agent-fix', writeIntervalMs);
        const samples: Record<TaskKind, ReturnType<typeof measure>[]> = { issue: [], 'agent-fix': [] };
        for (let rep = 0; rep < REPS; rep++) {
          for (const kind of ['issue', 'agent-fix'] as const) {
            const { posted, timeline } = await bench.task(server, kind, writeIntervalMs);
            const m = measure(posted, timeline);
            samples[kind].push(m);
            progress(
              `task overhead, pacing ${pacing}, ${kind} ${rep + 1}/${REPS}: ` +
                `${m.toFirstRequestMs} ms to the first request, ${m.lastAnswerToConclusionMs} ms to the conclusion`,
            );
          }
        }
        for (const kind of ['issue', 'agent-fix'] as const) {
          const list = samples[kind];
          runs.push({
            kind,
            pacing,
            writeIntervalMs,
            reps: list.length,
            toFirstRequestMs: round(median(list.map((s) => s.toFirstRequestMs)), 0),
            lastAnswerToConclusionMs: round(median(list.map((s) => s.lastAnswerToConclusionMs)), 0),
            samples: list.map(({ toFirstRequestMs, lastAnswerToConclusionMs }) => ({
              toFirstRequestMs,
              lastAnswerToConclusionMs,
            })),
            writes: list[0]?.writes ?? { beforeFirstRequest: [], beforeConclusion: [], afterConclusion: [] },
          });
        }
      } finally {
        await server.stop();
      }
    }
    const report = await standIns.modelReport();
    if (report.errors.length > 0) throw new Error(`scripted model: ${report.errors.join('; ')}`);
    return { runs, loadAverage };
  } finally {
    await standIns.close();
  }
}

workerMain(main);
