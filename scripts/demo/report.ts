/**
 * What the demo prints: the banner that says what is simulated, each step as it happens, the
 * outcome with the pull request's text and diff, and where to look next. Text that came from the
 * task (the pull request, the model's words, the server's log) goes through `terminalSafe`.
 */
import type { Output } from '../../cli/io.js';
import { usageLine } from '../../core/report.js';
import { formatDuration } from '../../core/status/format-duration.js';
import { statusLabel, taskDurationMs } from '../../core/status/task-row.js';
import { terminalSafe } from '../../core/status/terminal-safe.js';
import type { Task } from '../../core/task.js';
import type { DemoOutcome } from './run-demo.js';
import type { World } from './world.js';

export const DEMO_BANNER = 'DEMO: GitHub and Claude are simulated on this machine; nothing leaves it.';

/** Numbered steps and plain lines on one output. */
export class Printer {
  private steps = 0;
  private muted = false;
  /** Writes only until `mute()`: once the demo is stopping, the flow's lines would mislead. */
  readonly stream: Output;

  constructor(out: Output) {
    this.stream = {
      write: (text: string) => this.muted || out.write(text),
      ...(out.isTTY === undefined ? {} : { isTTY: out.isTTY }),
      ...(out.columns === undefined ? {} : { columns: out.columns }),
    };
  }

  mute(): void {
    this.muted = true;
  }

  line(text = ''): void {
    this.stream.write(`${text}\n`);
  }

  step(text: string): void {
    this.line(`${++this.steps}. ${text}`);
  }
}

const indent = (text: string, by = '   '): string =>
  terminalSafe(text)
    .split('\n')
    .map((line) => (line ? by + line : by.trimEnd()))
    .join('\n');

export function printBanner(out: Printer, world: World): void {
  out.line(DEMO_BANNER);
  out.line(
    `   GitHub   a stand-in of its REST API and git at ${world.github.url}, web pages at ${world.web.url}`,
  );
  out.line(
    `   Claude   a scripted model at ${world.model.url}: it plays a fixed script, needs no key, costs nothing`,
  );
  out.line(`   The app  npm start's server (functions/local/server.ts) at ${world.server.url}`);
  out.line(`            with its store in ${world.dataDir} (not .data/), and your .env left unread`);
  out.line();
}

export function printOutcome(out: Printer, outcome: Pick<DemoOutcome, 'task' | 'pullRequest'>): void {
  const { task, pullRequest: pr } = outcome;
  const took = formatDuration(taskDurationMs(task, new Date()));
  out.step(`Task ${task.id} ${statusLabel(task)} in ${took}: ${usageLine(task.usage)} (simulated usage)`);
  if (!pr) {
    out.line('   No pull request was opened.');
    return;
  }
  const run = pr.checkRuns.find((r) => r.id === task.checkRunId);
  out.line(
    `   ${pr.draft ? 'Draft pull request' : 'Pull request'} #${pr.number}: ${terminalSafe(pr.title, { singleLine: true })}`,
  );
  out.line(
    `   ${pr.headRef} → ${pr.baseRef} · assigned to ${pr.assignees.join(', ') || 'nobody'}` +
      ` · check run ${run ? `${run.name}: ${run.conclusion ?? run.status}` : 'none'}`,
  );
  out.line();
  out.line(indent(pr.body, '   │ '));
  out.line();
  out.line(indent(pr.diff.trimEnd(), '   │ '));
  out.line();
}

/** What went wrong, with the end of the server's log: the demo is also a smoke test. */
export function printProblem(out: Printer, world: World, task: Task): void {
  if (task.error) out.line(`   The task's error: ${terminalSafe(task.error)}`);
  for (const error of world.model.errors)
    out.line(`   The scripted model saw: ${terminalSafe(error.message)}`);
  out.line('   The end of the server log:');
  out.line(indent(world.server.output().trimEnd().split('\n').slice(-30).join('\n')));
  out.line();
}

export function printWhereToLook(out: Printer, world: World, outcome: DemoOutcome): void {
  const { task, pullRequest: pr, issue } = outcome;
  const status = world.server.statusUrl();
  const token = new URL(status).searchParams.get('token') ?? '';
  const rows: Array<[string, string]> = [
    ['The status page: the task, its cost, its pull request', status],
    ["This task's record and progress log (JSON)", `${world.server.url}/api/tasks/${task.id}?token=${token}`],
  ];
  if (pr) rows.push(['The pull request on the simulated GitHub', pr.htmlUrl]);
  if (issue)
    rows.push([
      "The issue, with Nightshift's tracking comment",
      `${world.web.url}/${issue.repo}/issues/${issue.number}`,
    ]);
  rows.push([
    'The same task from a terminal',
    `NIGHTSHIFT_DATA_DIR=${world.dataDir} npm run nightshift -- show ${task.id}`,
  ]);
  out.line('Where to look:');
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, where] of rows) out.line(`   ${label.padEnd(width)}  ${where}`);
  out.line();
}
