/**
 * `npm start` without the App's credentials: GitHub's manifest flow at Probot's addresses
 * (`/probot`, `/probot/setup`), on this server rather than Probot's, so that:
 * - no Probot app runs with a placeholder key, and no webhook is answered before there is an App;
 * - the manifest (app.yml) registers the webhook where it arrives: the smee.io channel in
 *   WEBHOOK_PROXY_URL (made here, as Probot does, unless NO_SMEE_SETUP=true) or this server's
 *   webhook path;
 * - the code GitHub sends back is taken only with the `state` made at this start, so a page
 *   elsewhere cannot make this server adopt another App's credentials;
 * - the code is converted at GITHUB_API_URL (GitHub Enterprise Server, the tests) and the App's
 *   id, key and webhook secret are written to `.env`, owner-only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from '@octokit/request';
import type { Logger } from 'pino';
import { SmeeClient } from 'smee-client';
import { parse as parseYaml } from 'yaml';
import { updateDotEnv } from './dot-env.js';
import type { RequestHandler } from './http-server.js';

const APP_YML = new URL('../../app.yml', import.meta.url);
const SETUP_PATH = '/probot/setup';
const CHANNEL_TIMEOUT_MS = 10_000;

export interface SetupFlowOptions {
  /** Where the App's credentials go. */
  envFile: string;
  /** This server's webhook path, registered when there is no proxy. */
  webhookPath: string;
  /** REST API base; GitHub's web pages are on the same host (github.com for api.github.com). */
  githubApiUrl: string;
  /** Register the App for this organisation (Probot's GH_ORG) rather than the user. */
  organization?: string | undefined;
  /** The smee.io channel GitHub delivers to, if any. */
  proxyUrl?: string | undefined;
  log: Logger;
}

/** The smee.io channel to register: WEBHOOK_PROXY_URL, or a new one saved to .env; none offline. */
export async function webhookChannel(options: {
  envFile: string;
  log: Logger;
  proxyUrl?: string | undefined;
  noSmeeSetup?: boolean;
  newChannelUrl?: string;
}): Promise<string | undefined> {
  if (options.proxyUrl || options.noSmeeSetup) return options.proxyUrl;
  try {
    const channel = await Promise.race([
      SmeeClient.createChannel(options.newChannelUrl ? { newChannelUrl: options.newChannelUrl } : {}),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no answer')), CHANNEL_TIMEOUT_MS).unref(),
      ),
    ]);
    updateDotEnv(options.envFile, { WEBHOOK_PROXY_URL: channel });
    options.log.info(`webhook proxy: made the smee.io channel ${channel} (WEBHOOK_PROXY_URL in .env)`);
    return channel;
  } catch (error) {
    options.log.warn(
      { err: error },
      'could not make a smee.io channel: the App will be registered with this server’s own webhook URL; set WEBHOOK_PROXY_URL to a channel from https://smee.io/new and start again for GitHub to reach a laptop',
    );
    return undefined;
  }
}

/** The App's manifest: app.yml, with the webhook and redirect addresses of this server. */
export function appManifest(baseUrl: string, webhookUrl: string): Record<string, unknown> {
  const fromFile = parseYaml(readFileSync(APP_YML, 'utf8')) as Record<string, unknown>;
  return {
    ...fromFile,
    hook_attributes: { url: webhookUrl, active: true },
    redirect_url: `${baseUrl}${SETUP_PATH}`,
  };
}

/** github.com for api.github.com; https://HOST for GitHub Enterprise Server's https://HOST/api/v3. */
export function githubWebUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return `${url.origin}${url.pathname.replace(/\/api\/v3\/?$/, '').replace(/\/$/, '')}`;
}

export function setupFlowHandler(options: SetupFlowOptions): RequestHandler {
  let state: string | undefined = randomBytes(16).toString('hex');
  const newAppUrl =
    `${githubWebUrl(options.githubApiUrl)}` +
    `${options.organization ? `/organizations/${encodeURIComponent(options.organization)}` : ''}` +
    `/settings/apps/new`;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === options.webhookPath) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(NOT_SET_UP);
      return true;
    }
    if (req.method !== 'GET') return false;
    if (url.pathname === '/') {
      res.writeHead(302, { location: '/probot' }).end();
      return true;
    }
    if (url.pathname === '/probot') {
      const base = baseUrlOf(req);
      const manifest = appManifest(base, options.proxyUrl ?? `${base}${options.webhookPath}`);
      const action = state ? `${newAppUrl}?state=${state}` : undefined;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(setupPage(action, manifest));
      return true;
    }
    if (url.pathname === SETUP_PATH) {
      const code = url.searchParams.get('code');
      if (!code || !state || !sameText(url.searchParams.get('state') ?? '', state)) {
        res
          .writeHead(400, { 'content-type': 'text/plain' })
          .end('This link was not made by this setup page: start again at /probot.');
        return true;
      }
      state = undefined;
      try {
        await register(code, options, res);
      } catch (error) {
        options.log.error({ err: error }, 'GitHub did not turn the setup code into an App');
        state = randomBytes(16).toString('hex');
        res
          .writeHead(502, { 'content-type': 'text/plain' })
          .end('GitHub did not turn the code into an App (see the log): start again at /probot.');
      }
      return true;
    }
    return false;
  };
}

const NOT_SET_UP =
  'Nightshift is not set up yet: register the GitHub App at /probot, then restart npm start.';

async function register(code: string, options: SetupFlowOptions, res: ServerResponse): Promise<void> {
  const { data } = await request('POST /app-manifests/{code}/conversions', {
    baseUrl: options.githubApiUrl,
    code,
  });
  updateDotEnv(options.envFile, {
    APP_ID: String(data.id),
    PRIVATE_KEY: data.pem,
    WEBHOOK_SECRET: data.webhook_secret ?? '',
  });
  options.log.info(
    `GitHub App ${data.slug ?? data.id} registered: APP_ID, PRIVATE_KEY and WEBHOOK_SECRET are in .env. ` +
      'Install it on your repositories, add ANTHROPIC_API_KEY to .env, and restart npm start.',
  );
  res.writeHead(302, { location: `${data.html_url}/installations/new` }).end();
}

function baseUrlOf(req: IncomingMessage): string {
  const forwarded = (name: string) =>
    String(req.headers[name] ?? '')
      .split(',')[0]
      ?.trim();
  const protocol = forwarded('x-forwarded-proto') || 'http';
  return `${protocol}://${forwarded('x-forwarded-host') || req.headers.host || 'localhost'}`;
}

function sameText(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function setupPage(action: string | undefined, manifest: Record<string, unknown>): string {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = action
    ? `<p>Register Nightshift as a GitHub App. GitHub asks you to confirm its name (it must be unique) and
  brings you back here; the App's id, private key and webhook secret are then saved to <code>.env</code>.</p>
  <form action="${escape(action)}" method="post">
    <input type="hidden" name="manifest" value="${escape(JSON.stringify(manifest))}">
    <button type="submit">Register GitHub App</button>
  </form>
  <p>Webhooks will be sent to <code>${escape(String((manifest.hook_attributes as { url: string }).url))}</code>.</p>`
    : `<p>The App is registered: restart <code>npm start</code>.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Nightshift setup</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
  <h1>Nightshift setup</h1>
  ${body}
</body></html>
`;
}
