/**
 * On AWS the secrets live in Secrets Manager, named by ARN in the environment; they are read once
 * per cold start into a copy of the environment, never into the template or plain variables.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const SECRET_VARIABLES = {
  PRIVATE_KEY_SECRET_ARN: 'PRIVATE_KEY',
  WEBHOOK_SECRET_ARN: 'WEBHOOK_SECRET',
  ANTHROPIC_API_KEY_SECRET_ARN: 'ANTHROPIC_API_KEY',
  DASHBOARD_OAUTH_CLIENT_SECRET_ARN: 'DASHBOARD_OAUTH_CLIENT',
  DASHBOARD_SESSION_KEY_SECRET_ARN: 'DASHBOARD_SESSION_KEY',
} as const;

export async function resolveSecrets(
  env: NodeJS.ProcessEnv,
  client: Pick<SecretsManagerClient, 'send'> = new SecretsManagerClient({}),
): Promise<NodeJS.ProcessEnv> {
  const resolved: NodeJS.ProcessEnv = { ...env };
  await Promise.all(
    Object.entries(SECRET_VARIABLES).map(async ([arnVariable, target]) => {
      const arn = env[arnVariable];
      if (!arn || env[target]) return;
      const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      if (!SecretString)
        throw new Error(`secret ${arnVariable} has no value: set it as README "Deploying" shows`);
      resolved[target] = SecretString;
    }),
  );
  return resolved;
}
