/** The MCP servers' secret: created empty, readable by the agent task role alone, named to the agent by ARN. */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentContainer, rolesReaching, synthesize, type Synthesized } from './synth.js';

describe('the MCP secret', () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthesize({}, { bundling: false });
  });
  afterAll(() => rmSync(s.outdir, { recursive: true, force: true }));

  it('is created empty, with an output saying where to put the JSON object', () => {
    const secret = s.template.toJSON().Resources[s.id(s.stack.mcpSecret.secret)];
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    expect(secret.Properties.SecretString).toBeUndefined();
    s.template.hasOutput('McpSecretArn', { Value: { Ref: s.id(s.stack.mcpSecret.secret) } });
  });

  it('is readable by the agent task role only (not ECS injecting it, not any function), and the agent gets its ARN', () => {
    const secret = s.id(s.stack.mcpSecret.secret);
    expect(rolesReaching(s.template, secret)).toEqual([s.id(s.stack.agent.taskRole)]);
    const container = agentContainer(s.template);
    expect(container.Environment).toContainEqual({ Name: 'MCP_SECRET_ARN', Value: { Ref: secret } });
    expect(JSON.stringify(container.Secrets)).not.toContain(secret);
  });
});
