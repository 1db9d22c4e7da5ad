/**
 * How a task ends when its agent did not finish (a limit, a refusal, an error) or a cancel came
 * while it was verified: the outcome says what was done so far, and nothing is pushed.
 */
import type { AgentResult } from './agent/port.js';
import type { Ended, WorkContext } from './work-context.js';

export async function stoppedEarly(ctx: WorkContext, run: AgentResult): Promise<Ended | undefined> {
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
