import { describe, expect, it } from 'vitest';
import { decodeDispatchEvent } from '../../../functions/dispatch/dispatch-event.js';

describe('decodeDispatchEvent', () => {
  const dispatch = { type: 'dispatch', taskId: '01JTASK' } as const;
  const cancel = {
    type: 'cancel',
    repository: 'acme/calc',
    installationId: 7,
    sender: 'alice',
    targetNumber: 3,
  } as const;
  const message = { type: 'message', repository: 'acme/calc', targetNumber: 3, commentId: 99 } as const;

  it('takes an asynchronous invoke’s payload as one message', () => {
    expect(decodeDispatchEvent(dispatch)).toEqual([dispatch]);
    expect(decodeDispatchEvent(cancel)).toEqual([cancel]);
    expect(decodeDispatchEvent(message)).toEqual([message]);
    expect(() => decodeDispatchEvent({ ...message, commentId: undefined })).toThrow(/commentId/);
  });

  it('takes an SQS batch as its messages, in order', () => {
    const event = {
      Records: [dispatch, cancel].map((m) => ({
        eventSource: 'aws:sqs',
        body: JSON.stringify(m),
        messageId: 'x',
      })),
    };
    expect(decodeDispatchEvent(event)).toEqual([dispatch, cancel]);
  });

  it('refuses anything else, naming what is wrong', () => {
    expect(() => decodeDispatchEvent({ type: 'dispatch' })).toThrow(/taskId/);
    expect(() => decodeDispatchEvent({ type: 'launch', taskId: 'x' })).toThrow(/not a dispatch message/);
    expect(() => decodeDispatchEvent({ Records: [{ eventSource: 'aws:sqs', body: '{' }] })).toThrow(
      /not JSON/,
    );
    expect(() => decodeDispatchEvent(undefined)).toThrow(/not a dispatch message/);
  });
});
