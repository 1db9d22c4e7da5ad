/**
 * The end of a task that only plans: the agent's final message is the plan, posted as the issue's
 * one plan comment (created, or revised in place), with the spend so far. Nothing was opened,
 * committed or pushed before it, and nothing is after: the workspace goes with the task.
 */
import { PlanComments } from '../core/github/plan-comment.js';
import { addUsage, planCommentBody } from '../core/plan.js';
import type { AgentResult } from './agent/port.js';
import type { Ended, WorkContext } from './work-context.js';

export async function postPlan(ctx: WorkContext, run: AgentResult): Promise<Ended> {
  const { task } = ctx.record;
  const issue = task.target.number;
  // The spend so far: every plan round on this issue, this one included.
  const earlier = (await ctx.deps.store.listByTarget(task.repository, issue)).filter(
    (t) => t.id !== task.id && t.trigger.kind === 'plan' && t.status === 'succeeded',
  );
  const spent = [...earlier.map((t) => t.usage), run.usage].reduce(addUsage);
  const posted = await new PlanComments(ctx.gateway).post(issue, (revised) =>
    planCommentBody(run.summary, spent, revised),
  );
  ctx.log.info({ commentId: posted.id }, 'plan posted');
  return {
    status: 'succeeded',
    outcome: {
      conclusion: 'success',
      headline: 'Plan posted',
      summary:
        'The plan is in the plan comment on this issue; nothing was changed, committed or pushed. ' +
        'Edit it if you like, then comment `/agent go` to start the work, or `/agent plan <feedback>` to revise it.',
    },
  };
}
