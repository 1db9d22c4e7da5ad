/**
 * The Nightshift app as it would be written for the stock Probot Lambda adapter
 * (`@probot/adapter-aws-lambda-serverless`, which pins Probot 13). That adapter answers GitHub only
 * after the app's handler has finished, and it has no second function to hand slow work to, so
 * what our dispatch does after the answer happens here before it: the permission gate (`GET
 * …/collaborators/{user}/permission`), the config read (`context.config`), and the
 * acknowledgement, a queued check run on the pull request's head (`pulls.get` + `checks.create`),
 * or a tracking comment on an issue, which has no commit to carry a check run. Then the same
 * intake records the task. Starting the runner (in this shape also in-line) is left out, so the
 * stock figures are a lower bound.
 */
import type { ApplicationFunction, Context } from '@probot/adapter-aws-lambda-serverless';
import { parseConfig } from '../../core/config.js';
import { mayTrigger } from '../../core/permissions.js';
import type { TaskStore } from '../../core/store/task-store.js';
import { decideTrigger, type TaskDecision } from '../../core/triggers.js';
import { intake, type IntakeDeps } from '../../functions/intake.js';

export interface StockAppDeps extends Omit<IntakeDeps, 'store'> {
  /** The store, or the promise of it while the cold start connects. */
  store: TaskStore | Promise<TaskStore>;
}

export function stockApp(deps: StockAppDeps): ApplicationFunction {
  return (app) => {
    app.onAny(async (emitted) => {
      // Probot hands every handler a Context (its webhook transform); onAny's type does not say so.
      const context = emitted as unknown as Context;
      const event = { id: context.id, name: context.name, payload: context.payload as unknown };
      const decision = decideTrigger(event, { appId: deps.appId, label: deps.label });
      if (decision.action === 'task' && !(await inline(context, decision))) return;
      await intake({ ...deps, store: await deps.store }, event);
    });
  };
}

/** The work this shape forces before the answer; false when the sender may not trigger. */
async function inline(context: Context, decision: TaskDecision): Promise<boolean> {
  const repo = context.repo();
  const octokit = context.octokit;
  const { data: access } = await octokit.rest.repos.getCollaboratorPermissionLevel({
    ...repo,
    username: decision.engineer,
  });
  const verdict = mayTrigger(access, decision.engineer, []);
  if (!verdict.allowed) return false;
  const config = parseConfig((await context.config('nightshift.yml')) ?? {});
  if (!config.ok) return false;
  if (decision.target.kind === 'pull_request') {
    const { data: pr } = await octokit.rest.pulls.get({ ...repo, pull_number: decision.target.number });
    await octokit.rest.checks.create({
      ...repo,
      name: 'nightshift',
      head_sha: pr.head.sha,
      status: 'queued',
      output: { title: 'Queued', summary: 'Nightshift will start on this shortly.' },
    });
  } else {
    await octokit.rest.issues.createComment({
      ...repo,
      issue_number: decision.target.number,
      body: `Nightshift is on it: @${decision.engineer} asked for this task.`,
    });
  }
  return true;
}
