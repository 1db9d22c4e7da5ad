/**
 * Lambda entry for the token function: wiring only. The agent container invokes it (its task role
 * may, nothing else may) with `{ taskId, nonce }` and gets a token for that task's repository, or a
 * refusal (core/task-token.ts). It holds the App's private key; the container does not.
 */
import type { TokenAnswer, TokenRequest } from '../../core/task-token.js';
import { composeTokenMinting } from '../composition/compose-token.js';
import { once } from '../once.js';
import { mintTaskToken } from './mint-task-token.js';

const ready = once(() => composeTokenMinting(process.env));

export async function handler(event: Partial<TokenRequest> | null): Promise<TokenAnswer> {
  const request: TokenRequest = {
    taskId: typeof event?.taskId === 'string' ? event.taskId : '',
    ...(typeof event?.nonce === 'string' ? { nonce: event.nonce } : {}),
  };
  return mintTaskToken(await ready(), request, 'nonce');
}
