/** Dispatcher for local mode: an in-process queue, so the webhook answers before dispatch runs. */
import type { Logger } from 'pino';
import type { DispatchMessage, Dispatcher } from '../../core/ports.js';

export class LocalDispatcher implements Dispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private handle?: (message: DispatchMessage) => Promise<void>;

  constructor(private readonly log: Logger) {}

  /** Set once the dispatch side is built (it needs this dispatcher itself to promote tasks). */
  connect(handle: (message: DispatchMessage) => Promise<void>): void {
    this.handle = handle;
  }

  async send(message: DispatchMessage): Promise<void> {
    const handle = this.handle;
    if (!handle) throw new Error('LocalDispatcher: not connected');
    const work = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => handle(message))
      .catch((error: unknown) => this.log.error({ err: error, message }, 'dispatch failed'))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Wait for dispatches under way (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }
}
