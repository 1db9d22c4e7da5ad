/**
 * Push protection: before anything is committed or pushed, the patch's added lines (file names
 * included, binary files read as text) and the commit message are scanned for the secrets this task knows, in any encoding,
 * and for credential shapes. A hit stops the task with an explanation that names no secret.
 */
import { explainSecretHits, findSecrets, scanDiff } from '../core/secret-scan.js';

export class SecretInResultError extends Error {
  override readonly name = 'SecretInResultError';
}

/** `diff` is what would be pushed, as text (binary files included: `git diff --text`). */
export function refuseSecrets(diff: string, message: string, secrets: string[]): void {
  const hits = [...scanDiff(diff, secrets), ...findSecrets(message, secrets)];
  if (hits.length > 0) {
    throw new SecretInResultError(
      `${explainSecretHits(hits)}. Nothing was committed or pushed; the agent may have been following instructions planted in the repository or the task.`,
    );
  }
}
