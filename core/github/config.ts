/**
 * Reads `.github/nightshift.yml` through Probot's config plugin (so an organisation-wide default in
 * the org's `.github` repository works) and validates it.
 */
import { parseConfig, type RepoConfig } from '../config.js';
import type { Octokit, RepoRef } from './reporter.js';

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
