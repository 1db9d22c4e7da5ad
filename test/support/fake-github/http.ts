// Small HTTP helpers shared by the REST routes: errors in GitHub's shape, replies, pagination.
import type { IncomingMessage } from 'node:http';

export interface Reply {
  status: number;
  /** JSON unless `raw` is set. */
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message ?? status));
  }
}

export function notFound(documentationUrl = 'https://docs.github.com/rest'): HttpError {
  return new HttpError(404, { message: 'Not Found', documentation_url: documentationUrl, status: '404' });
}

/** GitHub's "Validation Failed" 422, e.g. for pulls/create. */
export function validationFailed(
  documentationUrl: string,
  errors: Record<string, unknown>[],
  message = 'Validation Failed',
): HttpError {
  return new HttpError(422, { message, errors, documentation_url: documentationUrl, status: '422' });
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, ...(headers ? { headers } : {}) };
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Pages a list as GitHub does (`per_page` ≤ 100, default 30, `page` from 1) with a Link header. */
export function paginate<T>(
  items: T[],
  query: URLSearchParams,
  selfUrl: string,
): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const pageUrl = (n: number) => {
    const u = new URL(selfUrl);
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(n));
    return u.toString();
  };
  const links: string[] = [];
  if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
  if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(page - 1)}>; rel="prev"`);
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length ? { link: links.join(', ') } : {},
  };
}
