/** Dispatcher on AWS: an asynchronous invoke of the dispatch Lambda, so the webhook answers at once. */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { DispatchMessage, Dispatcher } from '../core/ports.js';

export class LambdaDispatcher implements Dispatcher {
  constructor(
    private readonly client: Pick<LambdaClient, 'send'>,
    private readonly functionName: string,
  ) {}

  async send(message: DispatchMessage): Promise<void> {
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(message)),
      }),
    );
  }
}
