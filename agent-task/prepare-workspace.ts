/**
 * The workspace step. In a folder of the task's own: the supervisor's repository (cloned with the
 * token), then the tools' sandbox, and the agent's checkout cloned from the supervisor's
 * repository by the tools themselves; the base branch merged in when the pull request conflicts
 * with it; then the setup commands (setup/run-setup.ts), between the setup cache's restore and save;
 * then the repository's MCP servers (mcp/).
 */
import { mkdir } from 'node:fs/promises';
import { branchForIssue } from '../core/branch-name.js';
import type { RepoConfig } from '../core/config.js';
import { AgentCheckout, toolsGitConfig } from './agent-checkout.js';
import type { McpServers } from './mcp/start-mcp-servers.js';
import { startTaskMcpServers } from './mcp/task-mcp-servers.js';
import { OwnRepository, type Author } from './own-repository.js';
import { botAuthor } from './pull-request-text.js';
import { createSandbox, disposeSandbox, type ToolSandbox } from './sandbox/sandbox.js';
import type { TaskContext } from './task-context.js';
import { startStep } from './step-log.js';
import { makeTaskDir, ownRepositoryDir, removeTaskDir } from './task-folder.js';
import { runSetup } from './setup/run-setup.js';
import type { SetupFailure } from './setup/setup-failure.js';
import { BashSession } from './tools/bash-session.js';
import { enterPhase, toolSandboxOptions, type WorkContext } from './work-context.js';
import { takeSpare } from './setup/setup-cache.js';

export interface Repository {
  full_name: string;
  clone_url: string;
  default_branch: string;
}

export interface Prepared {
  /** The task's folder: root's, holding the supervisor's repository and the tools' folder. */
  taskDir: string;
  own: OwnRepository;
  sandbox: ToolSandbox;
  checkout: AgentCheckout;
  shell: BashSession;
  branch: string;
  /** The branch's sha on GitHub when the task started; undefined for a new branch. */
  remoteBranchSha: string | undefined;
  /** The commit the agent's checkout started from (before any merge). */
  baseSha: string;
  /** The branch merged in for a conflicting pull request: the second parent of the result. */
  mergedSha?: string;
  author: Author;
  /** Setup commands that failed, when the repository lets the agent work anyway (`setupFailure: continue`). */
  setupFailures: SetupFailure[];
  /** The repository's MCP servers that started, with their tools, and those that did not. */
  mcp: McpServers;
}

export async function prepareWorkspace(
  ctx: WorkContext,
  repository: Repository,
  context: TaskContext,
  config: RepoConfig,
): Promise<Prepared> {
  const { deps, record } = ctx;
  const task = record.task;
  // The issue's own branch (new, or kept from an earlier attempt), or the pull request's head.
  const branch =
    task.target.kind === 'issue'
      ? (task.branch ?? branchForIssue(task.target.number, context.title))
      : task.branch;
  if (!branch) throw new Error('the pull request has no head branch');
  const remoteBranchSha = await ctx.gateway.branchHead(branch);
  const checkout = remoteBranchSha ? branch : repository.default_branch;

  const taskDir = await makeTaskDir(deps.workRoot);
  const ownDir = ownRepositoryDir(taskDir);
  ctx.cleanup.push(async () => {
    if (!(await removeTaskDir(taskDir)))
      ctx.log.warn({ taskDir }, 'the task folder was not empty after cleanup; left in place');
  });
  await enterPhase(ctx, 'preparing', `Cloning ${repository.full_name} (${checkout})`);
  const cloned = startStep(ctx.log, 'clone');
  // The tools' sandbox is made while our repository is cloned: its read-only view of it is bound
  // to the folder made here, empty until the clone fills it, and no tool runs before both are done.
  await mkdir(ownDir);
  const spare = takeSpare(ctx);
  const sandboxMade = createSandbox({
    taskDir,
    readOnly: [ownDir],
    gitConfig: toolsGitConfig(ownDir),
    ...toolSandboxOptions(deps),
    ...(spare.fill ? { fill: spare.fill } : {}),
  }).then((sandbox) => {
    ctx.cleanup.push(() => disposeSandbox(sandbox));
    ctx.log.info({ isolation: sandbox.isolation, uid: sandbox.uid }, 'tools sandbox ready');
    return sandbox;
  });
  const own = await OwnRepository.clone(
    { dir: ownDir, cloneUrl: repository.clone_url, tokens: ctx.tokens },
    checkout,
  ).catch(async (error: unknown) => {
    await sandboxMade.catch(() => undefined); // its clean-up is registered before the task ends
    throw error;
  });
  const baseSha = await own.tip(checkout);
  if (!remoteBranchSha) await own.createBranch(branch, baseSha);
  const sandbox = await sandboxMade;
  const agentCheckout = await AgentCheckout.clone(sandbox, own.dir, branch);
  cloned(`cloned ${repository.full_name} (${checkout}) into the sandbox`, { branch: checkout });
  await record.update({ branch, headSha: remoteBranchSha ?? task.headSha });

  const author = botAuthor(await ctx.tokens.appSlug().catch(() => 'nightshift'));
  let mergedSha: string | undefined;
  if (task.target.kind === 'pull_request' && context.mergeConflict && context.baseBranch) {
    await enterPhase(ctx, 'preparing', `Merging ${context.baseBranch} into ${branch}`);
    mergedSha = await own.fetch(context.baseBranch, baseSha);
    const conflicted = await agentCheckout.merge(`refs/nightshift/${context.baseBranch}`, author);
    await deps.store.appendLog(
      task.id,
      'preparing',
      conflicted ? 'merge left conflicts for the agent' : 'merged cleanly',
    );
  }

  const shell = new BashSession(sandbox, { defaultTimeoutMs: deps.commandTimeoutMs ?? 10 * 60_000 });
  ctx.cleanup.push(() => shell.close());
  const cacheInput = {
    own,
    sandbox,
    taskDir,
    commit: baseSha,
    scope: checkout,
    defaultBranch: repository.default_branch,
    merged: mergedSha !== undefined,
    ...(spare.taken ? { spare: spare.taken } : {}),
  };
  const setupFailures = await runSetup(ctx, shell, cacheInput, config);
  const mcp = await startTaskMcpServers(ctx, sandbox, config);
  return {
    taskDir,
    own,
    sandbox,
    checkout: agentCheckout,
    shell,
    branch,
    remoteBranchSha,
    baseSha,
    ...(mergedSha ? { mergedSha } : {}),
    author,
    setupFailures,
    mcp,
  };
}
