/**
 * The token function's dependencies, from the environment as compose-intake.ts reads it: the App's
 * id and key (and no webhook secret, which it does not hold), the store and the logger.
 */
import { readAppCredentials } from '../../core/env.js';
import { createLogger } from '../../core/log.js';
import { connectStore } from '../../core/store/connect.js';
import { resolveSecrets } from '../secrets.js';
import { appTokenIssuer, type MintDeps } from '../token/mint-task-token.js';

export async function composeTokenMinting(source: NodeJS.ProcessEnv): Promise<MintDeps> {
  const env = readAppCredentials(await resolveSecrets(source));
  const { store } = await connectStore(source);
  return {
    store,
    issuer: appTokenIssuer({ appId: env.APP_ID, privateKey: env.privateKey, baseUrl: env.GITHUB_API_URL }),
    log: createLogger(env.LOG_LEVEL),
  };
}
