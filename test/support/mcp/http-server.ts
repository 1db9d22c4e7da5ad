/**
 * The HTTP test server (see test-server.ts) on loopback, stateless streamable HTTP: a fresh server
 * and transport per request, as the SDK shows for stateless servers. It records the
 * Authorization header of every request, so a test sees that a secret reached it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { testMcpServer } from './test-server.js';

export interface TestHttpMcpServer {
  url: string;
  authorizations: string[];
  close(): Promise<void>;
}

export async function startHttpMcpServer(): Promise<TestHttpMcpServer> {
  const authorizations: string[] = [];
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    authorizations.push(req.headers.authorization ?? '');
    const server = testMcpServer('http-test');
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** A loopback listener for the stdio server's side channel: what it posted, in order. */
export async function startReportListener(): Promise<{
  url: string;
  reports: unknown[];
  close(): Promise<void>;
}> {
  const reports: unknown[] = [];
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      reports.push(JSON.parse(body || 'null'));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/report`,
    reports,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
