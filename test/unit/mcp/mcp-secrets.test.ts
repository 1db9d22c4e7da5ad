import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadMcpSecrets } from '../../../agent-task/mcp/mcp-secrets.js';
import { refuseMetadataAddress } from '../../../agent-task/mcp/http-guard.js';

describe('the MCP servers’ secrets', () => {
  it('come from NIGHTSHIFT_MCP_<NAME> variables, and nothing else of the environment', async () => {
    const secrets = await loadMcpSecrets({
      NIGHTSHIFT_MCP_DOCS_TOKEN: 'a',
      NIGHTSHIFT_MCP_: 'nameless',
      NIGHTSHIFT_MCP_EMPTY: '',
      ANTHROPIC_API_KEY: 'sk-ant',
    });
    expect([...secrets]).toEqual([['DOCS_TOKEN', 'a']]);
  });

  it('on AWS, from the JSON object in the secret MCP_SECRET_ARN names; an empty secret is none', async () => {
    const sm = mockClient(SecretsManagerClient);
    const client = new SecretsManagerClient({});
    sm.on(GetSecretValueCommand, { SecretId: 'arn:mcp' }).resolves({
      SecretString: JSON.stringify({ DOCS_TOKEN: 'from-aws', NUMBER: 3 }),
    });
    const env = { MCP_SECRET_ARN: 'arn:mcp', NIGHTSHIFT_MCP_LOCAL: 'l' };
    expect([...(await loadMcpSecrets(env, client))]).toEqual([
      ['LOCAL', 'l'],
      ['DOCS_TOKEN', 'from-aws'],
    ]);
    sm.on(GetSecretValueCommand).resolves({ SecretString: '' });
    expect([...(await loadMcpSecrets(env, client))]).toEqual([['LOCAL', 'l']]);
    sm.on(GetSecretValueCommand).resolves({ SecretString: '["a"]' });
    await expect(loadMcpSecrets(env, client)).rejects.toThrow(/must hold a JSON object/);
    sm.restore();
  });
});

describe('an HTTP server’s address', () => {
  it('is never a link-local (metadata, credentials) address', () => {
    for (const url of [
      'http://169.254.170.2/v2/credentials',
      'http://169.254.169.254/latest',
      'http://[fe80::1]/x',
    ])
      expect(() => refuseMetadataAddress(new URL(url)), url).toThrow(/link-local/);
    for (const url of ['https://mcp.example.com/mcp', 'http://127.0.0.1:8080/mcp'])
      expect(() => refuseMetadataAddress(new URL(url)), url).not.toThrow();
  });
});
