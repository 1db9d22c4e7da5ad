/**
 * Just enough of a browser for sign-in flows: a cookie jar per host (Set-Cookie honoured,
 * `Max-Age=0` deletes), and redirects followed one by one so a test can see every hop.
 */
import { parseSetCookie } from 'cookie';

export interface Hop {
  url: string;
  status: number;
  location: string | undefined;
}

export class Browser {
  /** host → cookie name → value */
  readonly jar = new Map<string, Map<string, string>>();
  /** Every request made, in order. */
  readonly hops: Hop[] = [];

  cookies(url: string): Map<string, string> {
    const host = new URL(url).host;
    let cookies = this.jar.get(host);
    if (!cookies) this.jar.set(host, (cookies = new Map()));
    return cookies;
  }

  setCookie(url: string, name: string, value: string): void {
    this.cookies(url).set(name, value);
  }

  /** One request, no redirect followed. */
  async fetch(url: string): Promise<Response> {
    const cookies = [...this.cookies(url)].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookies ? { cookie: cookies } : {} });
    for (const header of response.headers.getSetCookie()) {
      const parsed = parseSetCookie(header);
      if (parsed.maxAge === 0) this.cookies(url).delete(parsed.name);
      else this.cookies(url).set(parsed.name, parsed.value ?? '');
    }
    this.hops.push({ url, status: response.status, location: response.headers.get('location') ?? undefined });
    return response;
  }

  /** Follows redirects (at most 10) to the final answer. */
  async open(url: string): Promise<Response> {
    let current = url;
    for (let i = 0; i < 10; i++) {
      const response = await this.fetch(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.arrayBuffer();
      current = new URL(location, current).toString();
    }
    throw new Error(`too many redirects from ${url}`);
  }
}
