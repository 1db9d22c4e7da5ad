/**
 * The Probot app: every webhook goes through intake. The same app runs behind the Lambda
 * Function URL and behind Probot's own server locally.
 */
import type { ApplicationFunction } from 'probot';
import { intake, type IntakeDeps, type IntakeOutcome } from './intake.js';

export interface AppDeps extends IntakeDeps {
  /** Where intake leaves its outcome per delivery id, for the caller that answers GitHub. */
  outcomes?: Map<string, IntakeOutcome>;
}

export function nightshiftApp(deps: AppDeps): ApplicationFunction {
  return (app) => {
    app.onAny(async (context) => {
      const outcome = await intake(deps, { id: context.id, name: context.name, payload: context.payload });
      deps.outcomes?.set(context.id, outcome);
    });
  };
}
