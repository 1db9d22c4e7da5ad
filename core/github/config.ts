/**
 * Reads `.github/nightshift.yml` through Probot's config plugin (so an organisation-wide default in
 * the org's `.github` repository works) and validates it.
 */
import { parseConfig, withinDeploymentLimits, type RepoConfig } from '../config.js';
import type { Task } from '../task.js';
import type { Octokit, RepoRef } from './repository-gateway.js';

export const CONFIG_PATH = '.github/nightshift.yml';

export type ConfigResult = { ok: true; config: RepoConfig } | { ok: false; errors: string[] };

export async function loadRepoConfig(octokit: Octokit, ref: RepoRef): Promise<ConfigResult> {
  let raw: unknown;
  try {
    const { config } = await octokit.config.get({ ...ref, path: CONFIG_PATH });
    raw = config ?? {};
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== undefined) throw error;
    // The plugin throws a YAML error for a file that does not parse: the user's to fix.
    return { ok: false, errors: [`${CONFIG_PATH} is not valid YAML: ${(error as Error).message}`] };
  }
  return parseConfig(raw);
}

/** A stored config larger than this is not kept on the task (a DynamoDB item stays under 400 KB). */
export const MAX_STORED_CONFIG_CHARS = 64 * 1024;

/** The config to keep on the task record, or undefined when it is too large to keep. */
export function configToStore(config: RepoConfig): RepoConfig | undefined {
  return JSON.stringify(config).length <= MAX_STORED_CONFIG_CHARS ? config : undefined;
}

/**
 * The task's configuration: the one dispatch resolved with the installation's access and stored
 * on the task (validated again: it is data read back from the store), else read from the
 * repository now; within the deployment's maximum of minutes.
 */
export async function taskConfig(
  task: Task,
  octokit: Octokit,
  ref: RepoRef,
  maxMinutes?: number,
): Promise<ConfigResult> {
  const result = task.config ? parseConfig(task.config) : await loadRepoConfig(octokit, ref);
  return result.ok ? { ok: true, config: withinDeploymentLimits(result.config, maxMinutes) } : result;
}
