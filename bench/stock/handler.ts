/**
 * Lambda entry for the stock adapter's equivalent of our webhook function, written as the
 * adapter's README shows (`createLambdaFunction(app, { probot: createProbot() })` at module level).
 * Bundled by the cold-start benchmark with the same esbuild settings as ours.
 */
import adapter from '@probot/adapter-aws-lambda-serverless';
import { pino } from 'pino';
import { connectStore } from '../../core/store/connect.js';
import { stockApp } from './stock-app.js';
import { unthrottledOctokit } from './unthrottled-octokit.js';

const { createLambdaFunction, createProbot } = adapter;

const probot = createProbot({
  overrides: {
    // Probot 13 builds its API URL from GHE_HOST as `…/api/v3`; the fake GitHub is at the root.
    ...(process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {}),
    Octokit: unthrottledOctokit(),
  },
});

export const handler = createLambdaFunction(
  stockApp({
    store: connectStore(process.env).then((connection) => connection.store),
    dispatcher: { send: async () => undefined },
    appId: Number(process.env.APP_ID),
    label: process.env.NIGHTSHIFT_LABEL ?? 'agent',
    log: pino({ level: process.env.LOG_LEVEL ?? 'info' }),
  }),
  { probot },
);
