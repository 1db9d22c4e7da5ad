/**
 * The agent task, start to end: claim → prepareWorkspace → runAgent → verify → publish → report.
 * Whatever throws, the task ends in a terminal state with its check run concluded, its lock
 * released, and its workspace removed.
 */
import { lstat, mkdtemp, readFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import type { RepoConfig } from '../core/config.js';
import { loadRepoConfig } from '../core/github/config.js';
import { GitHubReporter, repoRef } from '../core/github/reporter.js';
import { finishTask, type EndStatus } from '../core/lifecycle.js';
import { estimateCost } from '../core/pricing.js';
import type { Phase, Progress } from '../core/progress.js';
import { invalidConfigMessage, type Outcome } from '../core/report.js';
import { redactSecrets } from '../core/sanitize.js';
import { VersionConflictError, type TaskStore } from '../core/store/task-store.js';
import type { Task, Usage } from '../core/task.js';
import { RULE_FILE_PATHS, buildSystemPrompt, type RuleFile } from './agent/prompt.js';
import { continueAgent, runAgent, type AgentResult } from './agent/loop.js';
import { InstallationGoneError, TokenSource, octokitWithTokens } from './github-access.js';
import { ProgressReporter } from './progress-reporter.js';
import {
  botAuthor,
  branchForIssue,
  commitMessage,
  pullRequestBody,
  replyToTrigger,
  type CheckResult,
} from './publish.js';
import { gatherContext, type TaskContext } from './task-context.js';
import { TaskRecord } from './task-record.js';
import { BashSession } from './tools/bash-session.js';
import { bashTool } from './tools/bash-tool.js';
import { disposeSandbox, prepareSandbox } from './tools/sandbox.js';
import { textEditorTool } from './tools/text-editor.js';
import { HeadMovedError, Workspace } from './workspace.js';

export interface AgentTaskDeps {
  store: TaskStore;
  anthropic: Anthropic;
  github: { appId: number; privateKey: string; baseUrl: string };
  /** Parent of the task's temporary workspace. */
  workRoot: string;
  toolUser?: string;
  log: Logger;
  /** Secret values to keep out of everything posted (private key, API keys). */
  secrets: string[];
  workerId: string;
  progressIntervalMs?: number;
  /** Per-command time limit for the agent's shell. */
  commandTimeoutMs?: number;
}

interface Ended {
  status: EndStatus;
  outcome: Outcome;
}

const LEASE_MS = 5 * 60 * 1000;

/** Claim the task: only a dispatched task becomes running, so a second copy exits without work. */
async function claim(deps: AgentTaskDeps, taskId: string): Promise<Task | undefined> {
  const task = await deps.store.get(taskId);
  if (!task || task.status !== 'dispatched') {
    deps.log.warn({ taskId, status: task?.status }, 'task is not waiting for a runner: exiting without work');
    return undefined;
  }
  try {
    return await deps.store.transition(task, 'running', {
      leaseOwner: deps.workerId,
      leaseExpiresAt: new Date(Date.now() + LEASE_MS).toISOString(),
    });
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    const again = await deps.store.get(taskId);
    if (again?.status !== 'dispatched') return undefined;
    return deps.store.transition(again, 'running', { leaseOwner: deps.workerId });
  }
}

export async function runTask(deps: AgentTaskDeps, taskId: string): Promise<Task | undefined> {
  const claimed = await claim(deps, taskId);
  if (!claimed) return undefined;
  const log = deps.log.child({ taskId, repository: claimed.repository });
  const record = new TaskRecord(deps.store, claimed);
  const ref = repoRef(claimed.repository);
  const tokens = new TokenSource({
    ...deps.github,
    installationId: claimed.installationId,
    repositoryName: ref.repo,
  });
  const secrets = () => [...deps.secrets, ...tokens.knownTokens()];
  const octokit = octokitWithTokens(tokens, deps.github.baseUrl);
  const reporter = new GitHubReporter(octokit, claimed.repository, secrets);
  const progress = new ProgressReporter(record, deps.store, reporter, deps.progressIntervalMs);
  const heartbeat = setInterval(() => {
    void record
      .update({ leaseExpiresAt: new Date(Date.now() + LEASE_MS).toISOString() })
      .catch(() => undefined);
  }, LEASE_MS / 5);
  const cleanup: Array<() => Promise<unknown>> = [];

  let ended: Ended;
  try {
    ended = await work({ deps, log, record, tokens, reporter, progress, cleanup });
  } catch (error) {
    log.error({ err: error }, 'task failed');
    const reason = redactSecrets(error instanceof Error ? error.message : String(error), secrets());
    const headline =
      error instanceof InstallationGoneError
        ? 'Nightshift lost access to this repository'
        : error instanceof HeadMovedError
          ? 'The branch moved while Nightshift worked'
          : 'Nightshift failed';
    ended = { status: 'failed', outcome: { conclusion: 'failure', headline, summary: reason } };
  } finally {
    clearInterval(heartbeat);
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
  await progress.flush();
  const task = await record.settle();
  const final = await finishTask(deps.store, reporter, task, ended.status, ended.outcome, {
    usage: task.usage,
    leaseExpiresAt: new Date().toISOString(),
  }).catch(async (error: unknown) => {
    // Reporting failed (GitHub down, app uninstalled): still end the task.
    log.error({ err: error }, 'could not report the end on GitHub');
    return finishTask(deps.store, undefined, await deps.store.load(taskId), ended.status, ended.outcome);
  });
  log.info({ status: ended.status, conclusion: ended.outcome.conclusion }, 'task ended');
  return final;
}

interface WorkContext {
  deps: AgentTaskDeps;
  log: Logger;
  record: TaskRecord;
  tokens: TokenSource;
  reporter: GitHubReporter;
  progress: ProgressReporter;
  cleanup: Array<() => Promise<unknown>>;
}

async function work(ctx: WorkContext): Promise<Ended> {
  const { deps, record, reporter } = ctx;
  const { octokit, ref } = reporter;
  let task = record.task;
  const usage = (): Usage => record.task.usage;
  const say = (phase: Phase, message: string, turn = 0) =>
    ctx.progress.phase({ phase, turn, lastActions: [message], usage: usage() }, message);

  await say('preparing', 'Reading the repository and its configuration');
  const { data: repository } = await octokit.rest.repos.get(ref);
  const configResult = await loadRepoConfig(octokit, ref);
  if (!configResult.ok) {
    return {
      status: 'failed',
      outcome: {
        conclusion: 'failure',
        headline: 'Invalid .github/nightshift.yml',
        summary: invalidConfigMessage(configResult.errors),
      },
    };
  }
  const config = configResult.config;
  const context = await gatherContext(octokit, ref, task);

  // Workspace: the issue's own branch (new, or kept from an earlier attempt), or the PR's head.
  const branch =
    task.target.kind === 'issue'
      ? (task.branch ?? branchForIssue(task.target.number, context.title))
      : task.branch;
  if (!branch) throw new Error('the pull request has no head branch');
  const remoteBranchSha = await branchSha(octokit, ref, branch);
  const workDir = await mkdtemp(join(deps.workRoot, 'nightshift-task-'));
  await chmod(workDir, 0o755); // the tools' user must be able to reach the checkout inside
  ctx.cleanup.push(() =>
    import('node:fs/promises').then((fs) => fs.rm(workDir, { recursive: true, force: true })),
  );
  await say(
    'preparing',
    `Cloning ${repository.full_name} (${remoteBranchSha ? branch : repository.default_branch})`,
  );
  const ws = await Workspace.clone(
    { dir: join(workDir, 'repo'), cloneUrl: repository.clone_url, tokens: ctx.tokens },
    remoteBranchSha ? branch : repository.default_branch,
  );
  const sandbox = await prepareSandbox(ws.dir, deps.toolUser ? { user: deps.toolUser } : {});
  ctx.cleanup.push(() => disposeSandbox(sandbox));
  ws.handTo(sandbox);
  if (!remoteBranchSha) await ws.createBranch(branch);
  const baseSha = await ws.head();
  task = await record.update({ branch, headSha: remoteBranchSha ?? task.headSha });

  if (task.target.kind === 'pull_request' && context.mergeConflict && context.baseBranch) {
    await say('preparing', `Merging ${context.baseBranch} into ${branch}`);
    await ws.fetch(context.baseBranch);
    await ws
      .git(['merge', '--no-edit', '--no-ff', `refs/nightshift/${context.baseBranch}`])
      .catch(() => undefined);
  }

  const shell = new BashSession(sandbox, { defaultTimeoutMs: deps.commandTimeoutMs ?? 10 * 60_000 });
  ctx.cleanup.push(() => shell.close());
  for (const command of config.setup) {
    await say('setup', `setup: ${command}`);
    const result = await shell.run(command, { timeoutMs: config.setupTimeoutMinutes * 60_000 });
    await deps.store.appendLog(
      task.id,
      'setup',
      `${command} → ${result.timedOut ? 'timed out' : `exit ${result.exitCode}`}`,
    );
  }

  const author = botAuthor(await ctx.tokens.appSlug().catch(() => 'nightshift'));
  if (task.target.kind === 'pull_request' && context.mergeConflict && context.baseBranch) {
    await say('preparing', `Merging ${context.baseBranch} into ${branch}`);
    await ws.fetch(context.baseBranch);
    const conflicted = await ws.merge(`refs/nightshift/${context.baseBranch}`, author);
    await deps.store.appendLog(
      task.id,
      'preparing',
      conflicted ? 'merge left conflicts for the agent' : 'merged cleanly',
    );
  }
  let pullNumber = task.target.kind === 'pull_request' ? task.target.number : undefined;
  let pushedSha = remoteBranchSha;
  if (task.target.kind === 'issue') {
    ({ pullNumber, pushedSha } = await openEarlyPullRequest(ctx, ws, {
      branch,
      context,
      config,
      author,
      remoteBranchSha,
      repository,
    }));
    task = record.task;
  } else {
    await startCheckRun(ctx, task.headSha ?? baseSha);
  }

  // The agent at work.
  await say('working', 'The agent is exploring the repository');
  const system = buildSystemPrompt({
    repository: task.repository,
    task: {
      kind: context.kind,
      title: context.title,
      body: context.body,
      instructions: context.instructions,
      context: context.context,
    },
    ruleFiles: await readRuleFiles(ws.dir),
    extraInstructions: config.instructions,
    ...(config.test ? { testCommand: config.test } : {}),
  });
  const tools = [
    bashTool(shell, { timeoutMs: deps.commandTimeoutMs ?? 10 * 60_000 }),
    textEditorTool(sandbox),
  ];
  const agentOptions = {
    client: deps.anthropic,
    model: config.model,
    system,
    tools,
    limits: config.limits,
    estimateCost: (u: Omit<Usage, 'costUsd' | 'turns'>) => estimateCost(config.model, u, config.prices),
    shouldCancel: async () => (await record.refresh()).cancelRequested,
    onProgress: (p: Progress) =>
      ctx.progress.report({ ...p, maxTurns: config.limits.turns, lastActions: p.lastActions.slice(-5) }),
    logger: ctx.log,
  };
  let run: AgentResult = await runAgent({ ...agentOptions, firstUserMessage: firstMessage(context) });
  await record.update({ usage: run.usage });

  // Verify: the repository's own test command, with failures sent back for a bounded number of rounds.
  const checks: CheckResult[] = [];
  let rounds = 0;
  while (run.outcome === 'done' && config.test) {
    await say('verifying', `Running ${config.test}`, run.usage.turns);
    const result = await shell.run(config.test, { timeoutMs: config.limits.minutes * 60_000 });
    const check = { command: config.test, passed: result.exitCode === 0, output: result.output };
    checks.push(check);
    if (check.passed || rounds >= config.verifyRounds) break;
    rounds++;
    run = await continueAgent(
      run,
      `The test command \`${config.test}\` failed after you finished (exit code ${result.exitCode}). ` +
        `Fix the cause, run it again, and finish with a short summary.\n\n<test_output>\n${result.output}\n</test_output>`,
      agentOptions,
    );
    await record.update({ usage: run.usage });
  }

  if (run.outcome === 'cancelled')
    return {
      status: 'cancelled',
      outcome: {
        conclusion: 'cancelled',
        headline: 'Cancelled',
        summary: 'The task was cancelled; nothing more was pushed.',
      },
    };
  if (run.outcome !== 'done') {
    return {
      status: 'failed',
      outcome: {
        conclusion: 'failure',
        headline:
          run.outcome === 'limit'
            ? `Stopped: ${run.reason}`
            : run.outcome === 'refused'
              ? 'The model declined this task'
              : 'The agent failed',
        summary: `${run.reason ?? ''}\n\nNothing was pushed.${run.summary ? `\n\nWhat the agent had done so far:\n\n${run.summary}` : ''}${
          run.actions.length
            ? `\n\nLast actions:\n${run.actions
                .slice(-10)
                .map((a: string) => `- ${a}`)
                .join('\n')}`
            : ''
        }`,
      },
    };
  }
  if ((await record.refresh()).cancelRequested) {
    return {
      status: 'cancelled',
      outcome: {
        conclusion: 'cancelled',
        headline: 'Cancelled',
        summary: 'The task was cancelled before publishing; nothing more was pushed.',
      },
    };
  }

  // Publish.
  await say('publishing', 'Committing and pushing', run.usage.turns);
  const testsFailed = checks.some((c) => !c.passed) && !checks.at(-1)?.passed;
  const subject =
    task.target.kind === 'issue'
      ? `${context.title} (#${task.target.number})`
      : `Nightshift: ${firstLine(context.instructions)}`;
  const sha = await ws.commitAll(commitMessage(subject, run.summary, task.engineer), author);
  const changedFrom = task.target.kind === 'issue' ? (pushedSha ?? baseSha) : baseSha;
  if (!sha) {
    if (task.target.kind === 'pull_request')
      await replyToTrigger(reporter, task, `no changes were needed.\n\n${run.summary}`);
    return {
      status: 'succeeded',
      outcome: { conclusion: 'neutral', headline: 'No changes needed', summary: run.summary },
    };
  }
  const newHead = await ws.push(branch, pushedSha);
  const files = await ws.changedFiles(changedFrom);
  const final = testsFailed ? 'failure' : 'success';
  const summary = `${run.summary}\n\n**Checks**\n\n${checks.length ? checks.map((c) => `- \`${c.command}\`: ${c.passed ? 'passed' : 'failed'}`).join('\n') : 'No test command configured.'}`;
  await startCheckRun(ctx, newHead);
  task = record.task;
  let pullRequestUrl: string | undefined;
  if (task.target.kind === 'issue' && pullNumber) {
    const { data: pr } = await octokit.rest.pulls.update({
      ...ref,
      pull_number: pullNumber,
      title: context.title,
      body: reporter.redact(
        pullRequestBody({ issueNumber: task.target.number, summary: run.summary, files, checks, task }),
      ),
    });
    pullRequestUrl = pr.html_url;
    await octokit.rest.pulls
      .requestReviewers({ ...ref, pull_number: pullNumber, reviewers: [task.engineer] })
      .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not request review'));
  } else if (pullNumber) {
    await keepEngineer(ctx, pullNumber);
    await replyToTrigger(
      reporter,
      task,
      `pushed ${newHead.slice(0, 7)}: ${firstLine(run.summary)}\n\n${run.summary}`,
    );
    for (const thread of context.reviewThreads) {
      if (thread.id === task.trigger.commentId) continue;
      await reporter.replyToReviewComment(
        pullNumber,
        thread.id,
        `Addressed in ${newHead.slice(0, 7)}.\n\n${firstLine(run.summary)}`,
      );
    }
  }
  return {
    status: testsFailed ? 'failed' : 'succeeded',
    outcome: {
      conclusion: final,
      headline: testsFailed
        ? 'Pushed, but the checks fail'
        : task.target.kind === 'issue'
          ? 'Pull request ready for review'
          : 'Pushed a fix',
      summary,
      commitSha: newHead,
      ...(pullRequestUrl ? { pullRequestUrl } : {}),
      details: `Files changed:\n${files.join('\n')}${checks.length ? `\n\nLast test output:\n${checks.at(-1)?.output ?? ''}` : ''}`,
    },
  };
}

async function branchSha(
  octokit: GitHubReporter['octokit'],
  ref: { owner: string; repo: string },
  branch: string,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getRef({ ...ref, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** An issue has no commit to hang a check run on: push a first commit and open the draft PR early. */
async function openEarlyPullRequest(
  ctx: WorkContext,
  ws: Workspace,
  input: {
    branch: string;
    context: TaskContext;
    config: RepoConfig;
    author: ReturnType<typeof botAuthor>;
    remoteBranchSha: string | undefined;
    repository: { default_branch: string; owner: { login: string } };
  },
): Promise<{ pullNumber: number; pushedSha: string }> {
  const { octokit, ref } = ctx.reporter;
  let task = ctx.record.task;
  let pushedSha = input.remoteBranchSha;
  if (!pushedSha) {
    await ws.commitAll(
      commitMessage(
        `Start work on #${task.target.number}`,
        'Nightshift opened this branch to work on the issue.',
        task.engineer,
      ),
      input.author,
      { allowEmpty: true },
    );
    pushedSha = await ws.push(input.branch, undefined);
  }
  const existing = await octokit.rest.pulls.list({
    ...ref,
    head: `${ref.owner}:${input.branch}`,
    state: 'open',
  });
  let pull: { number: number; html_url: string } | undefined = existing.data[0];
  if (!pull) {
    const { data } = await octokit.rest.pulls.create({
      ...ref,
      head: input.branch,
      base: input.repository.default_branch,
      title: `[WIP] ${input.context.title}`,
      body: ctx.reporter.redact(
        pullRequestBody({
          issueNumber: task.target.number,
          summary: '',
          files: [],
          checks: [],
          task,
          working: true,
        }),
      ),
      draft: input.config.pullRequest.draft,
    });
    pull = data;
    await ctx.deps.store.claimEngineer(task.repository, data.number, task.engineer);
    await octokit.rest.issues
      .addAssignees({ ...ref, issue_number: data.number, assignees: [task.engineer] })
      .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not assign'));
  }
  if (!pull) throw new Error('could not open the pull request');
  task = await ctx.record.update({
    result: { ...task.result, pullRequestNumber: pull.number, pullRequestUrl: pull.html_url },
    headSha: pushedSha,
  });
  await startCheckRun(ctx, pushedSha);
  if (task.trackingCommentId) {
    await ctx.reporter.upsertComment(
      task.target.number,
      task,
      'tracking',
      `**Nightshift** · Working\n\nDraft pull request: ${pull.html_url}`,
      task.trackingCommentId,
    );
  }
  return { pullNumber: pull.number, pushedSha };
}

/**
 * The check run of this task, in progress on `sha`. The newest head carries the newest task's
 * check run: when the task pushed, the old run is concluded and a new one opened on the new head.
 */
async function startCheckRun(ctx: WorkContext, sha: string): Promise<void> {
  const task = ctx.record.task;
  const output = { title: 'Starting', summary: `Nightshift is working for @${task.engineer}.` };
  if (task.checkRunId && task.headSha === sha) {
    await ctx.reporter.updateCheckRun(task.checkRunId, 'in_progress', output);
    return;
  }
  if (task.checkRunId) await concludeSuperseded(ctx, task.checkRunId, sha, 'neutral');
  const checkRunId = await ctx.reporter.createCheckRun(task, sha, 'in_progress', output);
  await ctx.record.update({ checkRunId, headSha: sha });
}

async function concludeSuperseded(
  ctx: WorkContext,
  checkRunId: number,
  sha: string,
  conclusion: 'neutral',
): Promise<void> {
  await ctx.reporter.concludeCheckRun(checkRunId, {
    conclusion,
    title: `Continued on ${sha.slice(0, 7)}`,
    summary: `Nightshift pushed ${sha.slice(0, 7)}; this task's result is on that commit's check run.`,
  });
}

/** The responsible engineer stays assigned to the pull request and is asked to review again. */
async function keepEngineer(ctx: WorkContext, pullNumber: number): Promise<void> {
  const { octokit, ref } = ctx.reporter;
  const engineer = ctx.record.task.engineer;
  if (!engineer) return;
  await octokit.rest.issues
    .addAssignees({ ...ref, issue_number: pullNumber, assignees: [engineer] })
    .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not assign'));
  await octokit.rest.pulls
    .requestReviewers({ ...ref, pull_number: pullNumber, reviewers: [engineer] })
    .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not request review'));
}

/** The repository's guidance files; symlinks and oversized files are skipped (they could point at secrets). */
async function readRuleFiles(dir: string): Promise<RuleFile[]> {
  const files: RuleFile[] = [];
  for (const path of RULE_FILE_PATHS) {
    const full = join(dir, path);
    const info = await lstat(full).catch(() => undefined);
    if (!info?.isFile() || info.size > 100_000) continue;
    files.push({ path, content: await readFile(full, 'utf8') });
  }
  return files;
}

function firstMessage(context: TaskContext): string {
  return context.kind === 'issue'
    ? 'Work on the issue described in the system prompt. Explore the repository, make the change, run the checks, and finish with a short summary of what you changed and why.'
    : 'Work on this pull request as asked in the system prompt. Explore, make the change, run the checks, and finish with a short summary of what you changed and why.';
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 120);
}
