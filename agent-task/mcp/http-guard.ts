/**
 * HTTP MCP servers are called by the supervisor, which on AWS can reach the container's credential
 * and metadata endpoints (169.254.170.2, 169.254.169.254). A configured URL never points there,
 * and no answer, however large, is read into memory past a bound.
 */
import { isIP } from 'node:net';

/** Most bytes of one HTTP answer read from an MCP server. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Throws for a link-local host (the cloud's metadata and credential endpoints). */
export function refuseMetadataAddress(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const linkLocal =
    (isIP(host) === 4 && host.startsWith('169.254.')) ||
    (isIP(host) === 6 && /^fe[89ab]/.test(host)) ||
    host === 'metadata.google.internal';
  if (linkLocal)
    throw new Error(`${url.host} is a link-local (metadata) address: Nightshift does not call it`);
}

/** `fetch`, with the answer's body cut off (an error) past MAX_RESPONSE_BYTES. */
export async function boundedFetch(url: string | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  if (!response.body) return response;
  let seen = 0;
  const limit = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > MAX_RESPONSE_BYTES)
        controller.error(new Error(`the MCP server's answer passed ${MAX_RESPONSE_BYTES} bytes`));
      else controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(limit), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
