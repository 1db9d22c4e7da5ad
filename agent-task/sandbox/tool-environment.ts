/**
 * The environment of every tool process: built from an ALLOW-list, never by copying `process.env`
 * and deleting names, so a variable nobody thought of stays out by default.
 */
import { tmpdir } from 'node:os';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';
}

/** Variables copied from the parent environment when set; nothing else ever is. */
const COPIED = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const;

/** A neutral identity for commits the tools make; Nightshift sets the real author when it commits. */
const GIT_IDENTITY = { name: 'Nightshift agent', email: 'nightshift-agent@users.noreply.github.com' };

/**
 * Names that must never reach a tool, even when our own code passes them in `extra` by mistake.
 * (`toolEnvironment` copies nothing from `base` beyond `COPIED`, so this guards `extra` only.)
 */
const SECRET_NAME =
  /^(ANTHROPIC_|GITHUB_|GH_|AWS_|ECS_CONTAINER_METADATA_URI|NIGHTSHIFT_|ACTIONS_)|(^|_)(TOKEN|SECRET|PASSWORD|PRIVATE_KEY|API_KEY|CREDENTIALS?)(_|$)/i;

/**
 * An allow-list over `base` plus fixed, harmless settings, then `extra` (our own values, such as
 * HOME, USER and TMPDIR of the sandbox). Throws if `extra` names something that looks like a secret.
 */
export function toolEnvironment(
  base: NodeJS.ProcessEnv,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of COPIED) {
    const value = base[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  env.LANG ??= 'C.UTF-8';
  Object.assign(env, {
    HOME: '/nonexistent',
    USER: 'nobody',
    TMPDIR: tmpdir(),
    TERM: 'dumb',
    CI: 'true',
    NO_COLOR: '1',
    PAGER: 'cat',
    GIT_PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: GIT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: GIT_IDENTITY.email,
    GIT_COMMITTER_NAME: GIT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: GIT_IDENTITY.email,
  });
  for (const [name, value] of Object.entries(extra)) {
    if (SECRET_NAME.test(name)) {
      throw new SandboxError(`refusing to pass ${name} to the agent's tools: it looks like a secret`);
    }
    env[name] = value;
  }
  return env;
}
