// Every implemented REST operation, keyed by the description's operationId.
import { actionRoutes } from './actions.js';
import { appRoutes } from './app.js';
import { checkRoutes } from './checks.js';
import { hookDeliveryRoutes } from './hook-deliveries.js';
import { issueRoutes } from './issues.js';
import { pullRoutes } from './pulls.js';
import { reactionRoutes } from './reactions.js';
import { repoRoutes } from './repos.js';
import type { Handlers } from './types.js';

export const handlers: Handlers = {
  ...appRoutes,
  ...hookDeliveryRoutes,
  ...repoRoutes,
  ...issueRoutes,
  ...reactionRoutes,
  ...pullRoutes,
  ...checkRoutes,
  ...actionRoutes,
};
