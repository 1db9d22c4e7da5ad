/**
 * `npm start`'s HTTP server: a plain Node server that asks its handlers in order (the webhook door
 * first, so no other code reads a webhook body) and answers `GET /ping` and, for anything no
 * handler took, a 404. A handler that throws gets a 500.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/** True (or a promise of it) when the handler answered; false to let the next one try. */
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
) => boolean | void | Promise<boolean | void>;

export async function listen(
  handlers: RequestHandler[],
  options: { port: number; host: string; log: Logger },
): Promise<Server> {
  const server = createServer((req, res) => {
    void answer(handlers, req, res).catch((error: unknown) => {
      options.log.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${options.port} is already in use: set PORT to use another one.`)
          : error,
      );
    server.once('error', fail);
    server.listen({ port: options.port, host: options.host }, () => {
      server.off('error', fail);
      resolve();
    });
  });
  return server;
}

async function answer(handlers: RequestHandler[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  for (const handler of handlers) if (await handler(req, res)) return;
  if (req.method === 'GET' && req.url?.split('?')[0] === '/ping') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('PONG');
  } else if (!res.headersSent) res.writeHead(404).end();
}
