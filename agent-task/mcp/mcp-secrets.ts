/**
 * The operator's secrets for MCP servers, by name: locally the agent process's variables named
 * `NIGHTSHIFT_MCP_<NAME>` (npm start passes its `NIGHTSHIFT_` variables to the agent process), on
 * AWS one Secrets Manager secret holding a JSON object of names to values, named by ARN in
 * `MCP_SECRET_ARN` and readable by the agent task's role only. They are read once, when the agent
 * process starts; every value is added to what is redacted everywhere, and a value reaches only
 * the server whose entry names it (core/mcp-servers.ts fills it in).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const MCP_SECRET_PREFIX = 'NIGHTSHIFT_MCP_';
export const MCP_SECRET_ARN = 'MCP_SECRET_ARN';

export type McpSecrets = ReadonlyMap<string, string>;

/** The secrets set as `NIGHTSHIFT_MCP_<NAME>` variables. */
export function mcpSecretsFromEnv(env: NodeJS.ProcessEnv): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(MCP_SECRET_PREFIX) && name.length > MCP_SECRET_PREFIX.length && value)
      secrets.set(name.slice(MCP_SECRET_PREFIX.length), value);
  }
  return secrets;
}

/** The variables' secrets, and those of the Secrets Manager secret named by MCP_SECRET_ARN. */
export async function loadMcpSecrets(
  env: NodeJS.ProcessEnv,
  client: Pick<SecretsManagerClient, 'send'> = new SecretsManagerClient({}),
): Promise<McpSecrets> {
  const secrets = mcpSecretsFromEnv(env);
  const arn = env[MCP_SECRET_ARN];
  if (!arn) return secrets;
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  // An empty secret (as the stack creates it) means the operator has not added any yet.
  if (!SecretString?.trim()) return secrets;
  let parsed: unknown;
  try {
    parsed = JSON.parse(SecretString);
  } catch {
    throw new Error(
      `the MCP secret (${MCP_SECRET_ARN}) is not JSON: put a JSON object of names to values in it`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error(`the MCP secret (${MCP_SECRET_ARN}) must hold a JSON object of names to text values`);
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string' && value) secrets.set(name, value);
  }
  return secrets;
}
