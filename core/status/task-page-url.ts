/**
 * A task's page at the deployment's public address (NIGHTSHIFT_PUBLIC_URL): where the check run's
 * "Details" link and the session log's note point. No public address, no link.
 */
import { safeHref } from './html.js';
import { taskPagePath } from './render-status-page.js';

export function taskPageUrl(publicUrl: string | undefined, taskId: string): string | undefined {
  const base = safeHref(publicUrl);
  return base ? `${base.replace(/\/+$/, '')}${taskPagePath(taskId)}` : undefined;
}
