/**
 * The workspace step: clone the branch the task works on, hand the checkout to the tools' user,
 * merge the base branch when the pull request conflicts with it, and run the setup commands.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoConfig } from '../core/config.js';
import { botAuthor, branchForIssue } from './pull-request-text.js';
import type { TaskContext } from './task-context.js';
import { BashSession } from './tools/bash-session.js';
import { disposeSandbox, prepareSandbox, type ToolSandbox } from './tools/sandbox.js';
import { say, type WorkContext } from './work-context.js';
import { Workspace, type Author } from './workspace.js';

export interface Repository {
  full_name: string;
  clone_url: string;
  default_branch: string;
}

export interface Prepared {
  ws: Workspace;
  sandbox: ToolSandbox;
  shell: BashSession;
  branch: string;
  /** The branch's sha on GitHub when the task started; undefined for a new branch. */
  remoteBranchSha: string | undefined;
  /** HEAD after cloning (and before any merge). */
  baseSha: string;
  author: Author;
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
  const remoteBranchSha = await branchSha(ctx, branch);
  const checkout = remoteBranchSha ? branch : repository.default_branch;

  const workDir = await mkdtemp(join(deps.workRoot, 'nightshift-task-'));
  await chmod(workDir, 0o755); // the tools' user must be able to reach the checkout inside
  ctx.cleanup.push(() => rm(workDir, { recursive: true, force: true }));
  await say(ctx, 'preparing', `Cloning ${repository.full_name} (${checkout})`);
  const ws = await Workspace.clone(
    { dir: join(workDir, 'repo'), cloneUrl: repository.clone_url, tokens: ctx.tokens },
    checkout,
  );
  const sandbox = await prepareSandbox(ws.dir, deps.toolUser ? { user: deps.toolUser } : {});
  ctx.cleanup.push(() => disposeSandbox(sandbox));
  ws.handTo(sandbox);
  if (!remoteBranchSha) await ws.createBranch(branch);
  const baseSha = await ws.head();
  await record.update({ branch, headSha: remoteBranchSha ?? task.headSha });

  const author = botAuthor(await ctx.tokens.appSlug().catch(() => 'nightshift'));
  if (task.target.kind === 'pull_request' && context.mergeConflict && context.baseBranch) {
    await say(ctx, 'preparing', `Merging ${context.baseBranch} into ${branch}`);
    await ws.fetch(context.baseBranch);
    const conflicted = await ws.merge(`refs/nightshift/${context.baseBranch}`, author);
    await deps.store.appendLog(
      task.id,
      'preparing',
      conflicted ? 'merge left conflicts for the agent' : 'merged cleanly',
    );
  }

  const shell = new BashSession(sandbox, { defaultTimeoutMs: deps.commandTimeoutMs ?? 10 * 60_000 });
  ctx.cleanup.push(() => shell.close());
  for (const command of config.setup) {
    await say(ctx, 'setup', `setup: ${command}`);
    const result = await shell.run(command, { timeoutMs: config.setupTimeoutMinutes * 60_000 });
    await deps.store.appendLog(
      task.id,
      'setup',
      `${command} → ${result.timedOut ? 'timed out' : `exit ${result.exitCode}`}`,
    );
  }
  return { ws, sandbox, shell, branch, remoteBranchSha, baseSha, author };
}

async function branchSha(ctx: WorkContext, branch: string): Promise<string | undefined> {
  const { octokit, ref } = ctx.reporter;
  try {
    const { data } = await octokit.rest.git.getRef({ ...ref, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}
