/**
 * The dashboard in the template: its function behind a Function URL, its two secrets, a read-only
 * role, and its address handed to the components that write check runs (NIGHTSHIFT_PUBLIC_URL).
 * The bundle itself is checked with the others in stack.test.ts; cdk-nag runs there too.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_RESERVED_CONCURRENCY } from '../../cdk/constructs/dashboard.js';
import { TABLE } from '../../core/store/table.js';
import { rolePermissions, sortPermissions, type Synthesized, synthesize } from './synth.js';

let s: Synthesized;
let ids: Record<'fn' | 'role' | 'logs' | 'url' | 'client' | 'key' | 'table', string>;

beforeAll(() => {
  s = synthesize({}, { bundling: false });
  const { dashboard, tasks } = s.stack;
  ids = {
    fn: s.id(dashboard.handler.function),
    role: s.id(dashboard.handler.role),
    logs: s.id(dashboard.handler.logGroup),
    url: s.id(dashboard.url),
    client: s.id(dashboard.oauthClient),
    key: s.id(dashboard.sessionKey),
    table: s.id(tasks.table),
  };
});

afterAll(() => {
  if (s) rmSync(s.outdir, { recursive: true, force: true });
});

const resource = (id: string) =>
  s.template.toJSON().Resources[id] as { Type: string; Properties: Record<string, unknown> };
const env = (id: string) =>
  (resource(id).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const publicUrl = () => ({
  'Fn::Join': [
    '',
    ['https://', { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [ids.url, 'FunctionUrl'] }] }] }],
  ],
});

describe('the dashboard', () => {
  it('is a function behind its own Function URL, without IAM auth (sign-in is in the app)', () => {
    expect(resource(ids.url)).toEqual({
      Type: 'AWS::Lambda::Url',
      Properties: { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [ids.fn, 'Arn'] } },
    });
    const fn = resource(ids.fn).Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: DASHBOARD_RESERVED_CONCURRENCY,
      Role: { 'Fn::GetAtt': [ids.role, 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: ids.logs } },
    });
    expect(s.template.toJSON().Resources[ids.logs].Properties.RetentionInDays).toBe(30);
    // Anyone may call the URL, and only through it: AWS's two permissions for a public Function URL
    // (the invoke is allowed only as made by the URL), none for a plain invoke.
    const permissions = Object.values(s.template.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p).includes(`"${ids.fn}"`),
    );
    expect(permissions.map((p) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunctionUrl',
        FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
        FunctionUrlAuthType: 'NONE',
        Principal: '*',
      },
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
        InvokedViaFunctionUrl: true,
        Principal: '*',
      },
    ]);
  });

  it('holds the OAuth client empty (set by the operator) and generates the session key', () => {
    const client = resource(ids.client);
    expect(client.Type).toBe('AWS::SecretsManager::Secret');
    expect(client.Properties.GenerateSecretString).toBeUndefined();
    expect(client.Properties.SecretString).toBeUndefined();
    expect(resource(ids.key).Properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      PasswordLength: 64,
    });
  });

  it('gets its settings and the secrets’ ARNs, never a secret value', () => {
    expect(env(ids.fn)).toEqual({
      TABLE_NAME: { Ref: ids.table },
      GITHUB_API_URL: 'https://api.github.com',
      LOG_LEVEL: 'info',
      DASHBOARD_OAUTH_CLIENT_SECRET_ARN: { Ref: ids.client },
      DASHBOARD_SESSION_KEY_SECRET_ARN: { Ref: ids.key },
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('may read tasks and their log lines and its two secrets, nothing else: no write, no App key', () => {
    const table = `{${ids.table}.Arn}`;
    expect(rolePermissions(s.template, ids.role)).toEqual(
      sortPermissions([
        {
          effect: 'Allow',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`{${ids.logs}.Arn}`],
        },
        {
          effect: 'Allow',
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [table],
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TASK#*'] } },
        },
        {
          effect: 'Allow',
          actions: ['dynamodb:Query'],
          resources: [TABLE.indexes.byRepository.name, TABLE.indexes.recent.name].map(
            (name) => `${table}/index/${name}`,
          ),
        },
        {
          effect: 'Allow',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [`{${ids.client}}`, `{${ids.key}}`].sort(),
        },
      ]),
    );
  });

  it('its address is NIGHTSHIFT_PUBLIC_URL of the agent and of the functions that write check runs', () => {
    const { dispatch, taskEvents, sweeper } = s.stack;
    for (const fn of [dispatch.handler, taskEvents.handler, sweeper.handler])
      expect(env(s.id(fn.function)).NIGHTSHIFT_PUBLIC_URL, fn.node.path).toEqual(publicUrl());
    const [container] = resource(s.id(s.stack.agent.taskDefinition)).Properties
      .ContainerDefinitions as Array<{
      Environment: Array<{ Name: string; Value: unknown }>;
    }>;
    expect(container!.Environment.find((v) => v.Name === 'NIGHTSHIFT_PUBLIC_URL')?.Value).toEqual(
      publicUrl(),
    );
  });

  it('is in the outputs: its URL (for the App’s callback URL) and where to put the OAuth client', () => {
    s.template.hasOutput('DashboardUrl', { Value: { 'Fn::GetAtt': [ids.url, 'FunctionUrl'] } });
    s.template.hasOutput('DashboardOAuthClientSecretArn', { Value: { Ref: ids.client } });
  });
});
