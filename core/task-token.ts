/**
 * Installation tokens for the agent, minted by the control plane (the local server, or the token
 * function on AWS), never by the agent: the agent holds no App private key. This file is the
 * contract both sides share, and the pure decision "may this caller have a token for this task?".
 *
 * A caller proves which task it works for either by the channel it asks on (a local child's own
 * IPC channel, which only that child holds) or by the task's nonce (a random secret made at
 * dispatch, stored hashed on the task, handed to the container as an environment override).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Task, TaskStatus } from './task.js';

/** What the agent needs, and no more (app.yml's permissions, minus nothing: it uses them all). */
export const AGENT_TOKEN_PERMISSIONS = {
  contents: 'write',
  pull_requests: 'write',
  issues: 'write',
  checks: 'write',
  actions: 'read',
  metadata: 'read',
} as const;

/** A task's agent gets tokens only between dispatch and its end. */
export const TOKEN_STATUSES: readonly TaskStatus[] = ['dispatched', 'running'];

/** What the agent asks (over the local IPC channel, or as the token function's event). */
export interface TokenRequest {
  taskId: string;
  /** The task's nonce; the local channel needs none. */
  nonce?: string;
}

export type TokenRefusal = 'unknown_task' | 'not_running' | 'bad_nonce' | 'installation_gone' | 'failed';

/** The answer, as plain JSON: a Lambda payload or an IPC message. */
export type TokenAnswer =
  | { ok: true; token: string; expiresAt: string; appSlug: string }
  | { ok: false; code: TokenRefusal; message: string };

/** The IPC messages between a local agent process and its runner. */
export interface TokenIpcRequest {
  type: 'token';
  id: number;
}
export interface TokenIpcAnswer {
  type: 'token';
  id: number;
  answer: TokenAnswer;
}

/** A new nonce for one dispatch, and the hash the task record keeps. */
export function newTokenNonce(): { nonce: string; hash: string } {
  const nonce = randomBytes(32).toString('base64url');
  return { nonce, hash: hashTokenNonce(nonce) };
}

export function hashTokenNonce(nonce: string): string {
  return createHash('sha256').update(nonce, 'utf8').digest('hex');
}

export type TokenVerdict =
  { allowed: true; task: Task } | { allowed: false; code: TokenRefusal; reason: string };

/**
 * May this caller have a token for `taskId`? `proof` is the nonce it sent, or `channel` when it
 * asked on a channel only that task's process holds. Every "no" says why (for the log; the caller
 * gets the code).
 */
export function mayMintToken(
  taskId: string,
  task: Task | undefined,
  proof: { nonce: string | undefined } | 'channel',
): TokenVerdict {
  if (!task || task.id !== taskId) {
    return { allowed: false, code: 'unknown_task', reason: `no task ${taskId}` };
  }
  if (proof !== 'channel' && !nonceMatches(proof.nonce, task.tokenNonceHash)) {
    return { allowed: false, code: 'bad_nonce', reason: `the nonce does not match task ${taskId}'s` };
  }
  if (!TOKEN_STATUSES.includes(task.status)) {
    return {
      allowed: false,
      code: 'not_running',
      reason: `task ${taskId} is ${task.status}: tokens are for dispatched or running tasks only`,
    };
  }
  return { allowed: true, task };
}

function nonceMatches(nonce: string | undefined, storedHash: string | undefined): boolean {
  if (!nonce || !storedHash) return false;
  const given = Buffer.from(hashTokenNonce(nonce), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
