/**
 * The embedded store's credential: a random access key id and secret made at each start, which
 * every request to the store must be signed with (AWS SigV4, verify-signature.ts). Nightshift's
 * own processes get it; the agent's tools do not:
 *
 * - the process that starts the store holds it in memory;
 * - agent child processes get it in their environment (`NIGHTSHIFT_STORE_ACCESS_KEY_ID`,
 *   `NIGHTSHIFT_STORE_SECRET_ACCESS_KEY`; the tools' environment drops every `NIGHTSHIFT_` name);
 * - the `nightshift` CLI reads it from `.data/store-credentials.json` (mode 0600, folder 0700).
 */
import { randomBytes } from 'node:crypto';

export interface StoreCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const STORE_KEY_ID_VAR = 'NIGHTSHIFT_STORE_ACCESS_KEY_ID';
export const STORE_SECRET_VAR = 'NIGHTSHIFT_STORE_SECRET_ACCESS_KEY';
/** Next to `.data/endpoint`: the running server's store credential, for the CLI. */
export const CREDENTIALS_FILE = 'store-credentials.json';

/** A fresh credential: 20 characters of key id as AWS's look, a 256-bit secret. */
export function newStoreCredentials(): StoreCredentials {
  return {
    accessKeyId: `NSLOCAL${randomBytes(7).toString('hex').toUpperCase().slice(0, 13)}`,
    secretAccessKey: randomBytes(32).toString('base64url'),
  };
}

/** The credential named in an environment, if both halves are there. */
export function credentialsFromEnv(env: Record<string, string | undefined>): StoreCredentials | undefined {
  const accessKeyId = env[STORE_KEY_ID_VAR];
  const secretAccessKey = env[STORE_SECRET_VAR];
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

/** The environment variables that hand a credential to a child process. */
export function credentialsEnv(credentials: StoreCredentials | undefined): Record<string, string> {
  return credentials
    ? { [STORE_KEY_ID_VAR]: credentials.accessKeyId, [STORE_SECRET_VAR]: credentials.secretAccessKey }
    : {};
}

/** The credential file's text, and its reading (undefined when it is not one). */
export const formatCredentialsFile = (credentials: StoreCredentials): string =>
  `${JSON.stringify(credentials)}\n`;

export function parseCredentialsFile(text: string): StoreCredentials | undefined {
  try {
    const value = JSON.parse(text) as Partial<StoreCredentials> | null;
    return typeof value?.accessKeyId === 'string' &&
      typeof value.secretAccessKey === 'string' &&
      value.accessKeyId &&
      value.secretAccessKey
      ? { accessKeyId: value.accessKeyId, secretAccessKey: value.secretAccessKey }
      : undefined;
  } catch {
    return undefined;
  }
}
