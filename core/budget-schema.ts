/** `budget` in .github/nightshift.yml: the repository's monthly budget (core/budget.ts decides with it). */
import { z } from 'zod';

export const budgetSchema = z
  .strictObject({
    monthlyUsd: z
      .number()
      .positive()
      .nullable()
      .default(null)
      .describe(
        "Most estimated model cost in USD this repository's tasks may spend in a calendar month (UTC); once it is spent, new tasks are refused until the month ends. null: no repository budget (the installation's budget, if the deployment sets one, still applies).",
      )
      .meta({ examples: [200] }),
  })
  .default({ monthlyUsd: null })
  .describe(
    "The repository's monthly budget. It cannot raise the installation's budget (NIGHTSHIFT_INSTALLATION_MONTHLY_USD), which is checked as well.",
  );
