/**
 * Lambda entry for the token function: wiring only. The agent container invokes it (its task role
 * may, nothing else may) with `{ taskId, nonce }` and gets a token for that task's repository, or a
 * refusal (core/task-token.ts). It holds the App's private key; the container does not.
 */
import { pino } from 'pino';
import { readAppCredentials } from '../../core/env.js';
import { connectStore } from '../../core/store/connect.js';
import type { TokenAnswer, TokenRequest } from '../../core/task-token.js';
import { once } from '../once.js';
import { resolveSecrets } from '../secrets.js';
import { appTokenIssuer, mintTaskToken, type MintDeps } from './mint-task-token.js';

const ready = once(async (): Promise<MintDeps> => {
  const env = readAppCredentials(await resolveSecrets(process.env));
  const { store } = await connectStore(process.env);
  return {
    store,
    issuer: appTokenIssuer({ appId: env.APP_ID, privateKey: env.privateKey, baseUrl: env.GITHUB_API_URL }),
    log: pino({ level: env.LOG_LEVEL, base: { service: 'nightshift' } }),
  };
});

export async function handler(event: Partial<TokenRequest> | null): Promise<TokenAnswer> {
  const request: TokenRequest = {
    taskId: typeof event?.taskId === 'string' ? event.taskId : '',
    ...(typeof event?.nonce === 'string' ? { nonce: event.nonce } : {}),
  };
  return mintTaskToken(await ready(), request, 'nonce');
}
