/**
 * Where the agent's tokens come from (see core/task-token.ts for the contract):
 *
 * - `ipcMinter`: a child of the local runner asks its parent over the IPC channel the runner gave
 *   it, and only it (Node marks the channel close-on-exec, so the tools never inherit it);
 * - `lambdaMinter`: a container on AWS invokes the token function with its task id and the nonce
 *   dispatch gave it (its task role may invoke that one function).
 *
 * Either way the answer is mapped once: `installation_gone` is InstallationGoneError, any other
 * refusal TokenRefusedError.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { TokenAnswer, TokenIpcAnswer, TokenIpcRequest, TokenRequest } from '../core/task-token.js';
import {
  InstallationGoneError,
  TokenRefusedError,
  type MintedToken,
  type TokenMinter,
} from './github-access.js';

/** An answer from the control plane as a token, or the error it means. */
export function tokenFromAnswer(answer: TokenAnswer | undefined): MintedToken {
  if (!answer || typeof answer !== 'object') throw new Error('the token service sent no answer');
  if (answer.ok) return { token: answer.token, expiresAt: answer.expiresAt, appSlug: answer.appSlug };
  if (answer.code === 'installation_gone') throw new InstallationGoneError(answer.message);
  if (answer.code === 'failed') throw new Error(`the token service failed: ${answer.message}`);
  throw new TokenRefusedError(`the token service refused (${answer.code}): ${answer.message}`);
}

/** The subset of `process` the IPC minter uses (tests pass a fake). */
export interface IpcPort {
  send?: (message: TokenIpcRequest) => boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  channel?: { ref(): void; unref(): void } | undefined;
}

export function ipcMinter(port: IpcPort = process as unknown as IpcPort, timeoutMs = 60_000): TokenMinter {
  if (!port.send) throw new Error('no IPC channel: this process was not started by the local runner');
  // The channel must not keep the process alive once the task is done.
  port.channel?.unref();
  let next = 0;
  let inflight = 0;
  return {
    mint() {
      const id = ++next;
      return new Promise<MintedToken>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          port.off('message', listener);
          if (--inflight === 0) port.channel?.unref();
        };
        const listener = (message: unknown) => {
          const reply = message as Partial<TokenIpcAnswer> | null;
          if (reply?.type !== 'token' || reply.id !== id) return;
          done();
          try {
            resolve(tokenFromAnswer(reply.answer));
          } catch (error) {
            reject(error as Error);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`the local runner did not answer a token request within ${timeoutMs} ms`));
        }, timeoutMs);
        port.on('message', listener);
        if (inflight++ === 0) port.channel?.ref();
        if (!port.send?.({ type: 'token', id })) {
          done();
          reject(new Error('the IPC channel to the local runner is closed'));
        }
      });
    },
  };
}

export function lambdaMinter(
  client: Pick<LambdaClient, 'send'>,
  functionName: string,
  request: Required<TokenRequest>,
): TokenMinter {
  return {
    async mint() {
      const output = await client.send(
        new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(request) }),
      );
      const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : '';
      if (output.FunctionError) throw new Error(`the token function failed: ${text.slice(0, 500)}`);
      return tokenFromAnswer(text ? (JSON.parse(text) as TokenAnswer) : undefined);
    },
  };
}
