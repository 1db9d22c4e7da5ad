/**
 * GitHub cannot reach a laptop: with WEBHOOK_PROXY_URL set to a smee.io channel (the setup flow
 * makes one), smee-client, as Probot runs it, replays each delivery on the channel to this
 * server's webhook path, where it is verified like any other (signature included).
 */
import type { Logger } from 'pino';
import { SmeeClient } from 'smee-client';

export interface WebhookProxy {
  stop(): Promise<void>;
}

/** Start forwarding `source` to `target`; a channel not reachable yet is retried, and logged. */
export function forwardWebhooks(source: string, target: string, log: Logger): WebhookProxy {
  const proxyLog = log.child({ component: 'webhook-proxy' });
  const client = new SmeeClient({
    source,
    target,
    logger: {
      info: (message: string) => proxyLog.info(message),
      // smee-client passes a message and an error event, or an error alone.
      error: (...args: unknown[]) => {
        const message = args.find((arg): arg is string => typeof arg === 'string');
        const cause = args.find((arg) => typeof arg === 'object' && arg !== null) as
          { message?: string; code?: unknown } | undefined;
        proxyLog.error(
          cause ? { err: { message: cause.message, code: cause.code } } : {},
          message ?? cause?.message ?? 'webhook proxy error',
        );
      },
    },
  });
  void client
    .start()
    .catch((error: unknown) =>
      proxyLog.warn(
        { err: error },
        `webhook proxy ${source} is not reachable: retrying; deliveries sent meanwhile are lost (redeliver them from the App's Recent Deliveries)`,
      ),
    );
  return { stop: () => client.stop() };
}
