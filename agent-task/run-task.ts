/**
 * The agent task, start to end: claim → prepareWorkspace → openTarget → runAgent → verify →
 * publish → report. Whatever throws, the task ends in a terminal state with its check run
 * concluded, its lock released, and its workspace removed.
 */
import type { RepoConfig } from '../core/config.js';
import { taskConfig } from '../core/github/config.js';
import { RepositoryGateway, repoRef } from '../core/github/repository-gateway.js';
import { TaskSurface } from '../core/github/task-surface.js';
import { finishTask, outcomeOf } from '../core/lifecycle.js';
import { estimateCost } from '../core/pricing.js';
import { invalidConfigMessage, type Outcome } from '../core/report.js';
import { redactSecrets } from '../core/sanitize.js';
import { withFreshTask } from '../core/store/with-fresh-task.js';
import { isTerminal, type Task, type Usage } from '../core/task.js';
import type { AgentBrief, AgentEvent, AgentHooks, AgentResult } from './agent/port.js';
import { RULE_FILE_PATHS, buildSystemPrompt, type RuleFile } from './agent/prompt.js';
import { InstallationGoneError, TokenSource, octokitWithTokens } from './github-access.js';
import { prepareWorkspace, type Prepared } from './prepare-workspace.js';
import { ProgressReporter } from './progress-reporter.js';
import { openTarget, publish } from './publish.js';
import type { Opening } from './write-back.js';
import type { CheckResult } from './pull-request-text.js';
import { gatherContext, type TaskContext } from './task-context.js';
import { TaskRecord } from './task-record.js';
import { bashTool } from './tools/bash-tool.js';
import { textEditorTool } from './tools/text-editor.js';
import { enterPhase, type AgentTaskDeps, type Ended, type WorkContext } from './work-context.js';
import {
  HeadMovedError,
  ProtectedBranchError,
  ResultTooLargeError,
  type OwnRepository,
} from './own-repository.js';
import { SecretInResultError } from './push-protection.js';
import { SetupFailedError, setupFailureNote } from './setup/setup-failure.js';
import { mcpFailureNote, withMcpNotes } from './mcp/task-mcp-servers.js';
import { stopTools } from './sandbox/sandbox.js';
import { logAgentRun, logTaskEnd, logTaskStart, startStep } from './step-log.js';
import { runCleanup, untilStopped } from './task-stop.js';

export type { AgentTaskDeps } from './work-context.js';

const LEASE_MS = 5 * 60 * 1000;

/** The agent's brief and hooks, the same for its first run and each verify round. */
interface AgentRunOptions {
  brief: Omit<AgentBrief, 'firstMessage' | 'resume'> & { deadline: number };
  hooks: AgentHooks;
}

/** Claim the task: only a dispatched task becomes running, so a second copy exits without work. */
async function claim(deps: AgentTaskDeps, taskId: string): Promise<Task | undefined> {
  const task = await deps.store.get(taskId);
  if (!task || task.status !== 'dispatched') {
    deps.log.warn({ taskId, status: task?.status }, 'task is not waiting for a runner: exiting without work');
    return undefined;
  }
  // Lost a race (dispatch recording the runner's id): decide again on the newest version.
  return withFreshTask(deps.store, task, async (current) =>
    current.status !== 'dispatched'
      ? undefined
      : deps.store.transition(current, 'running', {
          leaseOwner: deps.workerId,
          leaseExpiresAt: new Date(Date.now() + LEASE_MS).toISOString(),
        }),
  );
}

export async function runTask(deps: AgentTaskDeps, taskId: string): Promise<Task | undefined> {
  const claimed = await claim(deps, taskId);
  if (!claimed) return undefined;
  const log = deps.log.child({ taskId, repository: claimed.repository });
  logTaskStart(log, claimed);
  const record = new TaskRecord(deps.store, claimed);
  const ref = repoRef(claimed.repository);
  const tokens = new TokenSource({ minter: deps.github.minter, repositoryName: ref.repo });
  const secrets = () => [...deps.secrets, ...tokens.knownTokens()];
  const octokit = octokitWithTokens(tokens, deps.github.baseUrl);
  const gateway = new RepositoryGateway(octokit, claimed.repository, secrets);
  const progress = new ProgressReporter(
    record,
    deps.store,
    gateway,
    deps.progressIntervalMs,
    Date.now,
    deps.writeIntervalMs ?? 0,
  );
  const heartbeat = setInterval(() => {
    void record
      .update({ leaseExpiresAt: new Date(Date.now() + LEASE_MS).toISOString() })
      .catch(() => undefined);
  }, LEASE_MS / 5);
  const cleanup: Array<() => Promise<unknown>> = [];

  let ended: Ended;
  try {
    const working = work({ deps, log, record, tokens, gateway, progress, cleanup, secrets });
    ended = await untilStopped(working, deps.stop, cleanup);
  } catch (error) {
    log.error({ err: error }, 'task failed');
    const reason = redactSecrets(error instanceof Error ? error.message : String(error), secrets());
    const headline =
      error instanceof InstallationGoneError
        ? 'Nightshift lost access to this repository'
        : error instanceof HeadMovedError
          ? 'The branch moved while Nightshift worked'
          : error instanceof ProtectedBranchError
            ? 'Nightshift does not push to the default branch'
            : error instanceof SecretInResultError
              ? 'Push protection: the result holds a secret'
              : error instanceof ResultTooLargeError
                ? 'The result is too large to push'
                : error instanceof SetupFailedError
                  ? error.headline
                  : 'Nightshift failed';
    ended = { status: 'failed', outcome: { conclusion: 'failure', headline, summary: reason } };
  } finally {
    clearInterval(heartbeat);
    await runCleanup(cleanup);
  }
  await progress.close();
  // The store and the status page get the same redaction as GitHub.
  ended = { ...ended, outcome: redactOutcome(ended.outcome, secrets()) };
  const task = await record.settle();
  const final = await finishTask(deps.store, gateway, task, ended.status, ended.outcome, {
    usage: task.usage,
    leaseExpiresAt: new Date().toISOString(),
  }).catch(async (error: unknown) => {
    // Reporting failed (GitHub down, app uninstalled): still end the task.
    log.error({ err: error }, 'could not report the end on GitHub');
    return finishTask(deps.store, undefined, await deps.store.load(taskId), ended.status, ended.outcome);
  });
  if (!final) {
    // Someone else ended it (the sweeper, after our heartbeat lapsed): a progress update of ours
    // may have reopened its check run since, so enterPhase the stored end once more.
    const stored = await deps.store.load(taskId);
    await new TaskSurface(gateway)
      .concludedAgain(stored, outcomeOf(stored))
      .catch((error: unknown) => log.error({ err: error }, 'could not report the end on GitHub'));
    log.warn({ status: stored.status }, 'the task was ended elsewhere while this worker ran');
    return stored;
  }
  logTaskEnd(log, final, ended.outcome);
  // What may come after the conclusion (review requests, replies): the result is out already.
  await ended.followUp?.().catch((error: unknown) => log.warn({ err: error }, 'a follow-up write failed'));
  return final;
}

/** The workflow: each step is its own module; this reads like the task. */
async function work(ctx: WorkContext): Promise<Ended> {
  const { octokit, ref } = ctx.gateway;
  await enterPhase(ctx, 'preparing', 'Reading the repository and its configuration');
  // Three independent reads at once: each is a round trip to GitHub before the clone can start.
  const contextRead = gatherContext(ctx.gateway, ctx.record.task);
  contextRead.catch(() => undefined); // awaited below, unless the configuration ends the task first
  const [repository, config] = await Promise.all([
    ctx.gateway.repository(),
    taskConfig(ctx.record.task, octokit, ref, ctx.deps.maxTaskMinutes),
  ]);
  if (!config.ok) {
    const summary = invalidConfigMessage(config.errors);
    return {
      status: 'failed',
      outcome: { conclusion: 'failure', headline: 'Invalid .github/nightshift.yml', summary },
    };
  }
  const context = await contextRead;
  const prepared = await prepareWorkspace(ctx, repository, context, config.config);
  // Where the result goes is opened beside the agent, not before it (write-back.ts).
  const target = openTarget(ctx, prepared, repository, context, config.config);
  ctx.cleanup.push(() => target.settle());
  const { run, checks } = await runAndVerify(ctx, prepared, context, config.config, target);
  // The agent is done: nothing it started may go on changing the tree while it is read.
  await prepared.shell.close();
  await prepared.mcp.close();
  await stopTools(prepared.sandbox);
  const destination = await target.settle();
  const ended =
    (await stoppedEarly(ctx, run)) ?? (await publish(ctx, prepared, destination, context, run, checks));
  return withMcpNotes(ended, prepared.mcp.failures);
}

/**
 * The agent at work, then the repository's own test command; a failing test goes back to the
 * agent for at most `verifyRounds` more rounds. The result is reported either way.
 */
async function runAndVerify(
  ctx: WorkContext,
  prepared: Prepared,
  context: TaskContext,
  config: RepoConfig,
  target: Opening,
): Promise<{ run: AgentResult; checks: CheckResult[] }> {
  const { deps, record } = ctx;
  await enterPhase(ctx, 'working', 'The agent is exploring the repository');
  const deadline = Date.now() + config.limits.minutes * (deps.minuteMs ?? 60_000);
  const system = buildSystemPrompt({
    repository: record.task.repository,
    task: {
      kind: context.kind,
      title: context.title,
      body: context.body,
      instructions: context.instructions,
      context: context.context,
    },
    ruleFiles: await readRuleFiles(prepared.own, prepared.baseSha),
    extraInstructions: config.instructions,
    ...(config.test ? { testCommand: config.test } : {}),
    mcpServers: prepared.mcp.started.map((s) => s.server),
  });
  const options: AgentRunOptions = {
    brief: {
      model: config.model,
      system,
      tools: [
        bashTool(prepared.shell, { timeoutMs: deps.commandTimeoutMs ?? 10 * 60_000 }),
        textEditorTool(prepared.sandbox),
        ...prepared.mcp.tools,
      ],
      limits: config.limits,
      deadline,
      workspace: prepared.sandbox.workspace,
    },
    hooks: {
      estimateCost: (u: Omit<Usage, 'costUsd' | 'turns'>) => estimateCost(config.model, u, config.prices),
      // Cancelled, ended elsewhere (the sweeper gave up on us), or the result has nowhere to go
      // (opening the pull request failed; its error ends the task): stop before the next turn.
      shouldCancel: async () => {
        if (target.failed) return true;
        const task = await record.refresh();
        return task.cancelRequested || isTerminal(task.status) || deps.stop?.aborted === true;
      },
      onEvent: (event: AgentEvent) => {
        if (event.type !== 'turn-finished') return;
        const { turn, usage, recentActions } = event;
        // The agent's own doings are for debugging; the steps above are what info says.
        ctx.log.debug({ turn, actions: recentActions }, 'agent turn finished');
        ctx.progress.report({
          phase: 'working',
          turn,
          maxTurns: config.limits.turns,
          lastActions: recentActions,
          usage,
        });
      },
      logger: ctx.log,
    },
  };
  // `limits.minutes` is wall clock for the work and its verification together: at the deadline
  // the shell is closed, which stops the command running in it, and the loop stops at its limit.
  const stopAtDeadline = setTimeout(() => void prepared.shell.close(), Math.max(0, deadline - Date.now()));
  try {
    return await workAndVerify(ctx, prepared, context, config, options);
  } finally {
    clearTimeout(stopAtDeadline);
  }
}

async function workAndVerify(
  ctx: WorkContext,
  prepared: Prepared,
  context: TaskContext,
  config: RepoConfig,
  options: AgentRunOptions,
): Promise<{ run: AgentResult; checks: CheckResult[] }> {
  const { deps, record } = ctx;
  const { brief, hooks } = options;
  let agentRan = startStep(ctx.log, 'agent');
  const first =
    firstMessage(context) + setupFailureNote(prepared.setupFailures) + mcpFailureNote(prepared.mcp.failures);
  let run = await deps.agent.run({ ...brief, firstMessage: first }, hooks);
  logAgentRun(agentRan, run);
  await record.update({ usage: run.usage });

  const checks: CheckResult[] = [];
  while (run.outcome === 'done' && config.test) {
    const left = brief.deadline - Date.now();
    if (left <= 0) {
      run = { ...run, outcome: 'limit', reason: `time limit (${config.limits.minutes} minutes) reached` };
      break;
    }
    await enterPhase(ctx, 'verifying', `Running ${config.test}`, run.usage.turns);
    const tested = startStep(ctx.log, 'test');
    const result = await prepared.shell.run(config.test, { timeoutMs: left }).catch(() => undefined);
    tested(
      `tests \`${config.test}\`: ${!result ? 'stopped' : result.exitCode === 0 ? 'passed' : `failed (exit ${result.exitCode})`}`,
      { command: config.test, ...(result ? { exitCode: result.exitCode } : {}) },
    );
    if (!result || brief.deadline <= Date.now()) {
      run = { ...run, outcome: 'limit', reason: `time limit (${config.limits.minutes} minutes) reached` };
      break;
    }
    checks.push({ command: config.test, passed: result.exitCode === 0, output: result.output });
    if (result.exitCode === 0 || checks.length > config.verifyRounds) break;
    const failed =
      `The test command \`${config.test}\` failed after you finished (exit code ${result.exitCode}). ` +
      `Fix the cause, run it again, and finish with a short summary.\n\n<test_output>\n${result.output}\n</test_output>`;
    agentRan = startStep(ctx.log, 'agent');
    run = await deps.agent.run({ ...brief, firstMessage: failed, resume: run }, hooks);
    logAgentRun(agentRan, run);
    await record.update({ usage: run.usage });
  }
  return { run, checks };
}

/** A run that did not finish, or a cancel that came during verification: nothing is pushed. */
async function stoppedEarly(ctx: WorkContext, run: AgentResult): Promise<Ended | undefined> {
  const cancelled = run.outcome === 'cancelled' || (await ctx.record.refresh()).cancelRequested;
  if (cancelled) {
    const summary = 'The task was cancelled; nothing more was pushed.';
    return { status: 'cancelled', outcome: { conclusion: 'cancelled', headline: 'Cancelled', summary } };
  }
  if (run.outcome === 'done') return undefined;
  const headline =
    run.outcome === 'limit'
      ? `Stopped: ${run.reason}`
      : run.outcome === 'refused'
        ? 'The model declined this task'
        : 'The agent failed';
  const sofar = run.summary ? `\n\nWhat the agent had done so far:\n\n${run.summary}` : '';
  const actions = run.actions.length
    ? `\n\nLast actions:\n${run.actions
        .slice(-10)
        .map((a) => `- ${a}`)
        .join('\n')}`
    : '';
  const summary = `${run.reason ?? ''}\n\nNothing was pushed.${sofar}${actions}`;
  return { status: 'failed', outcome: { conclusion: 'failure', headline, summary } };
}

/**
 * The repository's guidance files, read as data from our own repository at the commit the agent
 * started from (never from the agent's checkout); symlinks and oversized files are skipped.
 */
async function readRuleFiles(own: OwnRepository, commit: string): Promise<RuleFile[]> {
  const files: RuleFile[] = [];
  for (const path of RULE_FILE_PATHS) {
    const content = await own.readFile(commit, path, 100_000);
    if (content !== undefined) files.push({ path, content });
  }
  return files;
}

function redactOutcome(outcome: Outcome, secrets: string[]): Outcome {
  const redact = (text: string | undefined) =>
    text === undefined ? undefined : redactSecrets(text, secrets);
  return {
    ...outcome,
    headline: redactSecrets(outcome.headline, secrets),
    ...(outcome.summary !== undefined ? { summary: redact(outcome.summary) } : {}),
    ...(outcome.details !== undefined ? { details: redact(outcome.details) } : {}),
  };
}

/** What the agent is first told to work on: the issue is the brief; a pull request comes with a request. */
const WORK_ON: Record<TaskContext['kind'], string> = {
  issue: 'the issue described in the system prompt',
  pull_request: 'this pull request as asked in the system prompt',
};

function firstMessage(context: TaskContext): string {
  return `Work on ${WORK_ON[context.kind]}. Explore the repository, make the change, run the checks, and finish with a short summary of what you changed and why.`;
}
