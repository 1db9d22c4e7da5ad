/** The dashboard's settings on AWS: its two secrets read by ARN, and a message for each problem. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readDashboardEnv } from '../../../functions/dashboard/dashboard-env.js';
import { resolveSecrets } from '../../../functions/secrets.js';

const secrets = mockClient(SecretsManagerClient);
afterEach(() => secrets.reset());

const CLIENT_ARN = 'arn:aws:secretsmanager:eu-west-1:1:secret:DashboardOAuthClient';
const KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:1:secret:DashboardSessionKey';

describe('readDashboardEnv', () => {
  it('reads the OAuth client and the session key from Secrets Manager, by the ARNs the stack sets', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: CLIENT_ARN })
      .resolves({ SecretString: '{"clientId":"Iv23li1","clientSecret":"s3cret"}' })
      .on(GetSecretValueCommand, { SecretId: KEY_ARN })
      .resolves({ SecretString: 'k'.repeat(64) });
    const env = readDashboardEnv(
      await resolveSecrets(
        {
          DASHBOARD_OAUTH_CLIENT_SECRET_ARN: CLIENT_ARN,
          DASHBOARD_SESSION_KEY_SECRET_ARN: KEY_ARN,
          GITHUB_API_URL: 'https://ghe.example.com/api/v3',
        },
        new SecretsManagerClient({ region: 'eu-west-1' }),
      ),
    );
    expect(env).toMatchObject({
      client: { clientId: 'Iv23li1', clientSecret: 's3cret' },
      sessionKey: 'k'.repeat(64),
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      LOG_LEVEL: 'info',
    });
    // Only its own two secrets: no App key, no webhook secret asked for.
    expect(
      secrets
        .commandCalls(GetSecretValueCommand)
        .map((c) => c.args[0].input.SecretId)
        .sort(),
    ).toEqual([CLIENT_ARN, KEY_ARN].sort());
  });

  it('says what is missing, without repeating a secret', () => {
    expect(() =>
      readDashboardEnv({ DASHBOARD_OAUTH_CLIENT: '{}', DASHBOARD_SESSION_KEY: 'short-secret' }),
    ).toThrow(
      /DASHBOARD_OAUTH_CLIENT is not set or not valid: put \{"clientId"[\s\S]*DASHBOARD_SESSION_KEY must be at least 32/,
    );
    const leaky = () =>
      readDashboardEnv({
        DASHBOARD_OAUTH_CLIENT: '{"clientId":"x","clientSecret":""}',
        DASHBOARD_SESSION_KEY: 'short-secret',
      });
    expect(leaky).toThrow(/DASHBOARD_SESSION_KEY/);
    expect(leaky).not.toThrow(/short-secret/);
  });
});
