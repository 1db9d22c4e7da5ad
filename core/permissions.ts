/**
 * Who may hand work to Nightshift: people with write, maintain or admin access to the
 * repository, and logins the repository lists in `allowedUsers`. Never a bot. The input is
 * GitHub's "get repository permissions for a user" answer: `role_name` is the precise role;
 * `permission` folds maintain into write and triage into read, and is what a custom role
 * inherits from.
 */

export interface CollaboratorPermission {
  /** `admin`, `write`, `read` or `none` (GitHub also reports maintain as write, triage as read). */
  permission?: string | null;
  /** `admin`, `maintain`, `write`, `triage`, `read`, or the name of a custom role. */
  role_name?: string | null;
}

export interface TriggerPermission {
  allowed: boolean;
  reason: string;
}

const WRITE_ROLES = new Set(['admin', 'maintain', 'write']);
const LESSER_ROLES = new Set(['triage', 'read', 'none']);

export function mayTrigger(
  access: CollaboratorPermission,
  login: string,
  allowedUsers: readonly string[],
): TriggerPermission {
  if (/\[bot\]$/i.test(login)) return { allowed: false, reason: `${login} is a bot` };
  const role = access.role_name?.toLowerCase();
  const permission = access.permission?.toLowerCase();
  if (role && WRITE_ROLES.has(role)) return { allowed: true, reason: `${login} has the ${role} role` };
  // A custom role: judge it by the base permission it inherits.
  if (role && !LESSER_ROLES.has(role) && permission && WRITE_ROLES.has(permission)) {
    return {
      allowed: true,
      reason: `${login} has the custom role ${access.role_name} with ${permission} permission`,
    };
  }
  if (!role && permission && WRITE_ROLES.has(permission)) {
    return { allowed: true, reason: `${login} has ${permission} permission` };
  }
  if (allowedUsers.some((user) => user.toLowerCase() === login.toLowerCase())) {
    return { allowed: true, reason: `${login} is listed in allowedUsers` };
  }
  const has = role ?? permission ?? 'none';
  return {
    allowed: false,
    reason: `${login} has ${has === 'none' ? 'no' : `only ${has}`} access and is not listed in allowedUsers`,
  };
}

/**
 * The reply to someone who may not trigger Nightshift. `what` names what they asked for, as a
 * noun phrase ("the `/agent fix` request", "labelling this issue"); empty for a plain thanks.
 */
export function refusalMessage(login: string, what = ''): string {
  const thanks = what.trim() ? `thanks for ${what.trim()}` : 'thanks';
  return (
    `@${login}, ${thanks} — Nightshift only takes work from people with write access to this repository. ` +
    'A maintainer can add you to `allowedUsers` in `.github/nightshift.yml`.'
  );
}
