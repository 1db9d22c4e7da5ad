/**
 * The dashboard behind a Lambda Function URL: the event as a DashboardRequest, the answer as the
 * Function URL's result (Set-Cookie values in `cookies`, as Function URLs want them).
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { parseCookie } from 'cookie';
import type { DashboardRequest, DashboardResponse } from './dashboard.js';

/**
 * `publicUrl`: the site's address when it is not the Function URL's own (a custom domain in front,
 * or http on loopback in tests); the OAuth callback is built from it.
 */
export function dashboardRequest(event: LambdaFunctionURLEvent, publicUrl?: string): DashboardRequest {
  return {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query: new URLSearchParams(event.rawQueryString ?? ''),
    cookies: parseCookie((event.cookies ?? []).join('; ')),
    origin: publicUrl ? new URL(publicUrl).origin : `https://${event.requestContext.domainName}`,
  };
}

export function functionUrlResult(method: string, response: DashboardResponse): LambdaFunctionURLResult {
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    cookies: response.cookies,
    body: method === 'HEAD' ? '' : response.body,
  };
}
