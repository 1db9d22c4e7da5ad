/**
 * A loopback stand-in for a smee.io channel, speaking smee.io's protocol to the real smee-client:
 * `GET /<channel>` is the event stream (an `event: ready` first, then one message per delivery,
 * whose data is the delivery's lower-cased headers with `body` (parsed JSON), `query` and
 * `timestamp`), `POST /<channel>` is where GitHub delivers, and `HEAD /new` answers with a new
 * channel's address in `location`, as smee.io does.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SmeeChannel {
  /** The channel's address: WEBHOOK_PROXY_URL. */
  url: string;
  /** Where smee-client asks for a new channel. */
  newChannelUrl: string;
  /** Event streams open on the channel now. */
  listeners(): number;
  /** Post a delivery to the channel as GitHub does; the status smee.io answers. */
  deliver(headers: Record<string, string>, body: string): Promise<number>;
  close(): Promise<void>;
}

export async function startSmeeChannel(): Promise<SmeeChannel> {
  const channel = `/${randomBytes(8).toString('base64url')}`;
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'HEAD' && url.pathname === '/new') {
      res.writeHead(307, { location: `${base()}${channel}` }).end();
    } else if (req.method === 'GET' && url.pathname === channel) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write('event: ready\ndata: {}\n\n');
      streams.add(res);
      res.on('close', () => streams.delete(res));
    } else if (req.method === 'POST' && url.pathname === channel) {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const message = {
          ...req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
          query: Object.fromEntries(url.searchParams),
          timestamp: Date.now(),
        };
        for (const stream of streams) stream.write(`data: ${JSON.stringify(message)}\n\n`);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base()}${channel}`,
    newChannelUrl: `${base()}/new`,
    listeners: () => streams.size,
    async deliver(headers, body) {
      const response = await fetch(`${base()}${channel}`, { method: 'POST', headers, body });
      return response.status;
    },
    async close() {
      for (const stream of streams) stream.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
