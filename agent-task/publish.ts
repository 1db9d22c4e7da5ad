/**
 * Writing the result back to GitHub: the commit and push, the check run on the newest head, and
 * what the target's write-back does before and after (write-back.ts: the early draft pull request
 * of an issue task, replies on a pull request). Composed text comes from pull-request-text.ts; the
 * gateway redacts it.
 */
import { join } from 'node:path';
import { filesChangedList } from '../core/changed-files.js';
import { agentCommitMessage } from '../core/commit-message.js';
import type { RepoConfig } from '../core/config.js';
import type { TargetKind } from '../core/task.js';
import type { AgentResult } from './agent/port.js';
import type { Prepared, Repository } from './prepare-workspace.js';
import { checksSection, type CheckResult } from './pull-request-text.js';
import { refuseSecrets } from './push-protection.js';
import { startStep } from './step-log.js';
import type { TaskContext } from './task-context.js';
import { enterPhase, type Ended, type WorkContext } from './work-context.js';
import { issueWriteBack } from './write-back-issue.js';
import { pullRequestWriteBack } from './write-back-pull-request.js';
import type { Destination, Opening, TargetWriteBack } from './write-back.js';

const WRITE_BACK: { readonly [K in TargetKind]: TargetWriteBack } = {
  issue: issueWriteBack,
  pull_request: pullRequestWriteBack,
};

function writeBack(ctx: WorkContext): TargetWriteBack {
  return WRITE_BACK[ctx.record.task.target.kind];
}

/**
 * The pull request the task works on, with the check run on its head (see the target's
 * write-back), opened beside the agent: `settle` it before the task's last writes.
 */
export function openTarget(
  ctx: WorkContext,
  prepared: Prepared,
  repository: Repository,
  context: TaskContext,
  config: RepoConfig,
): Opening {
  return writeBack(ctx).open(ctx, prepared, repository, context, config);
}

/**
 * Commit what the agent did, push it, and give the pull request its text. From here every write
 * is part of the result, in the order people should see it: progress stops, the pull request's
 * text is final, then the check run on the new head is concluded (core/lifecycle.ts), and review
 * requests and replies follow (`followUp`).
 */
export async function publish(
  ctx: WorkContext,
  prepared: Prepared,
  destination: Destination,
  context: TaskContext,
  run: AgentResult,
  checks: CheckResult[],
): Promise<Ended> {
  const { gateway } = ctx;
  const { own, branch, author } = prepared;
  const target = writeBack(ctx);
  const task = ctx.record.task;
  await enterPhase(ctx, 'publishing', 'Committing and pushing', run.usage.turns);
  await ctx.progress.close();
  // The agent's work arrives as data (a patch the tools print), is checked, and is committed
  // and pushed from our own repository; nothing of the agent's checkout is trusted beyond that.
  const patchFile = join(prepared.taskDir, 'result.patch');
  await prepared.checkout.exportChanges(prepared.baseSha, patchFile);
  const tip = await own.tip(branch);
  const { fallback, issue } = target.subject(task, context);
  const message = gateway.redact(
    agentCommitMessage({
      summary: gateway.redact(run.summary),
      fallbackSubject: fallback,
      ...(issue !== undefined ? { issue } : {}),
      engineer: task.engineer,
    }),
  );
  const sha = await own.commitPatch({
    file: patchFile,
    base: prepared.baseSha,
    branch,
    parents: [tip, ...(prepared.mergedSha ? [prepared.mergedSha] : [])],
    message,
    author,
  });
  // Push protection, on exactly what would be pushed (the commit is only local until then).
  if (sha) refuseSecrets(await own.diffAsText(tip, sha), `${message}\n${run.summary}`, ctx.secrets());
  if (!sha) {
    if (checks.length > 0 && !checks.at(-1)?.passed) {
      const summary = `The repository's checks fail and the agent changed nothing, so nothing was pushed.\n\n${run.summary}`;
      return { status: 'failed', outcome: { conclusion: 'failure', headline: 'The checks fail', summary } };
    }
    await target.nothingToPush(ctx, run.summary);
    ctx.log.info({ step: 'push' }, 'nothing to push: the agent changed nothing');
    return {
      status: 'succeeded',
      outcome: { conclusion: 'neutral', headline: 'No changes needed', summary: run.summary },
    };
  }
  const pushed = startStep(ctx.log, 'push');
  const newHead = await own.push(branch, destination.pushedSha);
  pushed(`pushed ${branch} (${newHead.slice(0, 7)})`, { branch, sha: newHead });
  const announced = startStep(ctx.log, 'pull-request');
  const files = await own.changedFiles(target.filesSince(destination, prepared), newHead);
  ctx.session.pushed(
    branch,
    newHead,
    files.map((f) => f.path),
  );
  const { pullRequestUrl, followUp } = await target.announce(ctx, destination, context, {
    newHead,
    files,
    summary: run.summary,
    checks,
  });
  announced(`pull request #${destination.pullNumber} updated: ${pullRequestUrl ?? 'no link'}`, {
    pullRequest: destination.pullNumber,
  });
  const testsFail = checks.length > 0 && !checks.at(-1)?.passed;
  const lastOutput = checks.at(-1)?.output;
  return {
    status: testsFail ? 'failed' : 'succeeded',
    outcome: {
      conclusion: testsFail ? 'failure' : 'success',
      headline: testsFail ? 'Pushed, but the checks fail' : target.headline,
      summary: `${run.summary}\n\n**Checks**\n\n${checksSection(checks)}\n\n**Files changed**\n\n${filesChangedList(files, destination.pullRequestUrl)}`,
      commitSha: newHead,
      ...(pullRequestUrl ? { pullRequestUrl } : {}),
      ...(lastOutput ? { details: `Last test output:\n${lastOutput}` } : {}),
    },
    ...(followUp ? { followUp } : {}),
  };
}
