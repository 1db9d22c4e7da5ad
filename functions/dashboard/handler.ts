/**
 * Lambda entry for the dashboard's Function URL: wiring only. The secrets, the store and the
 * GitHub client are made once per cold start; each request goes to the dashboard.
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { createLogger } from '../../core/log.js';
import { connectStore } from '../../core/store/connect.js';
import { githubWebUrl } from '../../core/status/task-cells.js';
import { once } from '../once.js';
import { resolveSecrets } from '../secrets.js';
import { createDashboard } from './dashboard.js';
import { readDashboardEnv } from './dashboard-env.js';
import { dashboardRequest, functionUrlResult } from './function-url.js';
import { githubSignIn } from './github-sign-in.js';
import { SessionCookies } from './session-cookie.js';

const ready = once(async () => {
  const env = readDashboardEnv(await resolveSecrets(process.env));
  const { store } = await connectStore(process.env);
  const log = createLogger(env.LOG_LEVEL);
  const serve = createDashboard({
    store,
    signIn: githubSignIn(env.client, env.GITHUB_API_URL),
    sessions: new SessionCookies(env.sessionKey),
    githubUrl: githubWebUrl(env.GITHUB_API_URL),
    log,
  });
  return { serve, publicUrl: env.NIGHTSHIFT_PUBLIC_URL, log };
});

export async function handler(event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> {
  const { serve, publicUrl, log } = await ready();
  const request = dashboardRequest(event, publicUrl);
  try {
    return functionUrlResult(request.method, await serve(request));
  } catch (error) {
    log.error({ err: error, path: request.path }, 'dashboard: the request failed');
    return { statusCode: 500, headers: { 'content-type': 'text/plain' }, body: 'Something went wrong.\n' };
  }
}
