/**
 * A Lambda Function URL handler served on loopback, as the Function URL would call it: each HTTP
 * request becomes a `LambdaFunctionURLEvent` (payload format 2.0: `rawPath`, `rawQueryString`,
 * `cookies`, lower-case headers, a base64 body) and the result becomes the answer, its `cookies`
 * as Set-Cookie headers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';

export interface ServedFunction {
  url: string;
  close(): Promise<void>;
}

export async function serveFunctionUrl(
  handler: (event: LambdaFunctionURLEvent) => Promise<LambdaFunctionURLResult>,
): Promise<ServedFunction> {
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? '/', 'http://function.invalid');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(',') : value,
        ]),
      );
      const cookies = (req.headers.cookie ?? '')
        .split(';')
        .map((c) => c.trim())
        .filter(Boolean);
      const event = {
        version: '2.0',
        routeKey: '$default',
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(cookies.length ? { cookies } : {}),
        requestContext: {
          domainName: req.headers.host ?? '127.0.0.1',
          http: {
            method: req.method ?? 'GET',
            path: url.pathname,
            protocol: 'HTTP/1.1',
            sourceIp: '127.0.0.1',
            userAgent: '',
          },
        },
        body: Buffer.concat(chunks).toString('base64'),
        isBase64Encoded: true,
      } as unknown as LambdaFunctionURLEvent;
      const result = await handler(event);
      const answer = typeof result === 'string' ? { statusCode: 200, body: result } : result;
      res.writeHead(answer.statusCode ?? 200, {
        ...(answer.headers as Record<string, string>),
        ...(answer.cookies?.length ? { 'set-cookie': answer.cookies } : {}),
      });
      res.end(answer.body ?? '');
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
