/**
 * What the dispatch Lambda is invoked with, decoded in one place: an asynchronous invoke carries
 * one message as its payload; an SQS event source carries a batch of them as JSON bodies. The
 * transport can change (async invoke today) without touching dispatch. A malformed message is an
 * error naming what is wrong, so the invoke's retries and dead-letter queue see it.
 */
import { z } from 'zod';
import type { DispatchMessage } from '../../core/ports.js';

const Message = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dispatch'), taskId: z.string().min(1) }),
  z.object({
    type: z.literal('cancel'),
    repository: z.string().min(1),
    installationId: z.number().int().positive(),
    sender: z.string().min(1),
    taskId: z.string().min(1).optional(),
    targetNumber: z.number().int().positive().optional(),
    commentId: z.number().int().positive().optional(),
  }),
  z.object({
    type: z.literal('message'),
    repository: z.string().min(1),
    targetNumber: z.number().int().positive(),
    commentId: z.number().int().positive(),
  }),
]);

const SqsBatch = z.object({
  Records: z.array(z.object({ eventSource: z.literal('aws:sqs'), body: z.string() })).min(1),
});

export class DispatchEventError extends Error {
  override readonly name = 'DispatchEventError';
}

export function decodeDispatchEvent(event: unknown): DispatchMessage[] {
  const batch = SqsBatch.safeParse(event);
  const raw = batch.success ? batch.data.Records.map((record) => parseBody(record.body)) : [event];
  return raw.map((candidate) => {
    const message = Message.safeParse(candidate);
    if (!message.success) {
      const issues = message.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`);
      throw new DispatchEventError(`not a dispatch message: ${issues.join('; ')}`);
    }
    return message.data as DispatchMessage;
  });
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new DispatchEventError('not a dispatch message: an SQS record whose body is not JSON');
  }
}
