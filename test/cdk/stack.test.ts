/**
 * The synthesized template of the default deployment (cdk.json's settings, an App id): one synth,
 * with the real esbuild bundling of the functions and the agent, shared by every test.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe as group, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../cdk/bundling.js';
import { BUNDLE_BANNER } from '../../functions/runners/agent-bundle.js';
import { DROPPED_CAPABILITIES } from '../../cdk/constructs/agent-task.js';
import { FAILED_TASK_LOG_LINES } from '../../cdk/constructs/alarms.js';
import { METRIC_SERVICE, RUNNER_STOP_FAILURES } from '../../functions/alarm-metrics.js';
import { DELETABLE_KEY_PREFIXES } from '../../cdk/constructs/task-access.js';
import { intentKey, lockKey } from '../../core/store/items.js';
import { TABLE } from '../../core/store/table.js';
import {
  allPolicyDocuments,
  assetManifest,
  type Permission,
  rolePermissions,
  sortPermissions,
  type Synthesized,
  synthesize,
} from './synth.js';

let s: Synthesized;
let ids: ReturnType<typeof logicalIds>;

/** The logical ids of the resources the tests look at. */
function logicalIds({ stack, id }: Synthesized) {
  return {
    table: id(stack.tasks.table),
    privateKey: id(stack.secrets.privateKey),
    webhookSecret: id(stack.secrets.webhookSecret),
    anthropicKey: id(stack.secrets.anthropicApiKey),
    mcpSecret: id(stack.mcpSecret.secret),
    queue: id(stack.deadLetterQueue.queue),
    cluster: id(stack.agent.cluster),
    taskDefinition: id(stack.agent.taskDefinition),
    taskRole: id(stack.agent.taskRole),
    executionRole: id(stack.agent.executionRole),
    agentLogs: id(stack.agent.logGroup),
    setupCache: id(stack.setupCache.bucket),
    sessions: id(stack.sessions.bucket),
    securityGroup: id(stack.network.securityGroups[0]!),
    webhook: id(stack.webhook.handler.function),
    webhookRole: id(stack.webhook.handler.role),
    webhookLogs: id(stack.webhook.handler.logGroup),
    dispatch: id(stack.dispatch.handler.function),
    dispatchRole: id(stack.dispatch.handler.role),
    dispatchLogs: id(stack.dispatch.handler.logGroup),
    taskEvents: id(stack.taskEvents.handler.function),
    taskEventsRole: id(stack.taskEvents.handler.role),
    taskEventsLogs: id(stack.taskEvents.handler.logGroup),
    sweeper: id(stack.sweeper.handler.function),
    sweeperRole: id(stack.sweeper.handler.role),
    sweeperLogs: id(stack.sweeper.handler.logGroup),
    sweeperRule: id(stack.sweeper.rule),
    token: id(stack.token.handler.function),
    tokenRole: id(stack.token.handler.role),
    tokenLogs: id(stack.token.handler.logGroup),
    redelivery: id(stack.guards.redelivery.function),
    redeliveryRole: id(stack.guards.redelivery.role),
    redeliveryLogs: id(stack.guards.redelivery.logGroup),
    redeliveryRule: id(stack.guards.schedule),
    dashboard: id(stack.dashboard.handler.function),
    dashboardRole: id(stack.dashboard.handler.role),
    dashboardLogs: id(stack.dashboard.handler.logGroup),
    dashboardUrl: id(stack.dashboard.url),
  };
}

beforeAll(() => {
  s = synthesize();
  ids = logicalIds(s);
});

afterAll(() => {
  if (s) rmSync(s.outdir, { recursive: true, force: true });
});

/** CDK's own custom-resource provider (a new VPC's default security group is emptied by it). */
const isCdkProvider = (logicalId: string) => logicalId.startsWith('CustomVpcRestrictDefaultSG');
function withoutCdkProvider<T>(items: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(items).filter(([id]) => !isCdkProvider(id)));
}

const TABLE_ARN = () => `{${ids.table}.Arn}`;
const ECS_ARN = 'arn:{AWS::Partition}:ecs:{AWS::Region}:{AWS::AccountId}';

/** The permissions every component has on the table (see cdk/constructs/task-access.ts). */
function taskAccess(): Permission[] {
  return [
    {
      effect: 'Allow',
      actions: [
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
      resources: [TABLE_ARN()],
    },
    {
      effect: 'Allow',
      actions: ['dynamodb:Query'],
      resources: Object.values(TABLE.indexes)
        .map((index) => `${TABLE_ARN()}/index/${index.name}`)
        .sort(),
    },
    {
      effect: 'Allow',
      actions: ['dynamodb:DeleteItem'],
      resources: [TABLE_ARN()],
      condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LOCK#*', 'INTENT#*'] } },
    },
  ];
}
const writeLogs = (logGroup: string): Permission => ({
  effect: 'Allow',
  actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  resources: [`{${logGroup}.Arn}`],
});
const githubSecrets = (): Permission => ({
  effect: 'Allow',
  actions: ['secretsmanager:GetSecretValue'],
  resources: [`{${ids.privateKey}}`, `{${ids.webhookSecret}}`].sort(),
});
const invoke = (fn: string): Permission => ({
  effect: 'Allow',
  actions: ['lambda:InvokeFunction'],
  resources: [`{${fn}.Arn}`],
});
const sendToDeadLetters = (): Permission => ({
  effect: 'Allow',
  actions: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
  resources: [`{${ids.queue}.Arn}`],
});

const resources = (type: string) => s.template.findResources(type);
const only = (type: string) => {
  const found = Object.entries(resources(type));
  expect(found, type).toHaveLength(1);
  return found[0]![1] as { Properties: Record<string, unknown>; DeletionPolicy?: string };
};
const lambdaEnv = (fnId: string) =>
  (s.template.toJSON().Resources[fnId].Properties.Environment.Variables ?? {}) as Record<string, unknown>;

group('DynamoDB table', () => {
  it('is built from core/store/table.ts: string keys, four GSIs projecting ALL, TTL', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'nightshift',
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      GlobalSecondaryIndexes: Object.values(TABLE.indexes).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
    const table = only('AWS::DynamoDB::Table');
    const attributes = table.Properties.AttributeDefinitions as Array<{ AttributeType: string }>;
    expect(attributes).toHaveLength(2 + 2 * Object.keys(TABLE.indexes).length);
    expect(new Set(attributes.map((a) => a.AttributeType))).toEqual(new Set(['S']));
  });

  it('has point-in-time recovery, deletion protection, and is retained with the stack gone', () => {
    s.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
  });

  it('lets components delete only lock and intent items, whose keys core/store/items.ts writes', () => {
    const deletable = (pk: string) => DELETABLE_KEY_PREFIXES.some((prefix) => pk.startsWith(prefix));
    expect(deletable(lockKey('octo/repo', 7).pk)).toBe(true);
    expect(deletable(intentKey('some-intent').pk)).toBe(true);
    expect(deletable('TASK#01J')).toBe(false);
  });
});

group('secrets', () => {
  it('holds the private key and the Anthropic key empty, and generates the webhook secret', () => {
    const secrets = resources('AWS::SecretsManager::Secret');
    // And the dashboard's two (test/cdk/dashboard.test.ts).
    expect(Object.keys(secrets)).toHaveLength(6);
    for (const id of [ids.privateKey, ids.anthropicKey, ids.mcpSecret]) {
      expect(secrets[id]!.Properties.GenerateSecretString).toBeUndefined();
      expect(secrets[id]!.Properties.SecretString).toBeUndefined();
    }
    expect(secrets[ids.webhookSecret]!.Properties.GenerateSecretString).toEqual({
      ExcludePunctuation: true,
      PasswordLength: 40,
    });
  });

  it('never puts a secret value in the template or in a plain environment variable', () => {
    const json = JSON.stringify(s.template.toJSON());
    expect(json).not.toMatch(/"SecretString":/);
    for (const fn of [ids.webhook, ids.dispatch, ids.taskEvents, ids.sweeper, ids.token]) {
      const names = Object.keys(lambdaEnv(fn));
      expect(names.filter((n) => /PRIVATE_KEY$|WEBHOOK_SECRET$|ANTHROPIC_API_KEY/.test(n))).toEqual([]);
    }
  });
});

/** NIGHTSHIFT_PUBLIC_URL: the dashboard's Function URL without its trailing slash. */
const publicUrl = () => ({
  'Fn::Join': [
    '',
    [
      'https://',
      { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [ids.dashboardUrl, 'FunctionUrl'] }] }] },
    ],
  ],
});

group('Lambda functions', () => {
  const common = () => ({
    APP_ID: '123456',
    TABLE_NAME: { Ref: ids.table },
    PRIVATE_KEY_SECRET_ARN: { Ref: ids.privateKey },
    WEBHOOK_SECRET_ARN: { Ref: ids.webhookSecret },
    GITHUB_API_URL: 'https://api.github.com',
    LOG_LEVEL: 'info',
    NIGHTSHIFT_PUBLIC_URL: publicUrl(),
    NODE_OPTIONS: '--enable-source-maps',
  });

  it('run Node 22 on arm64, each with its own log group (30 days) and role', () => {
    const functions = withoutCdkProvider(resources('AWS::Lambda::Function'));
    expect(Object.keys(functions).sort()).toEqual(
      [
        ids.dispatch,
        ids.taskEvents,
        ids.webhook,
        ids.sweeper,
        ids.token,
        ids.redelivery,
        ids.dashboard,
      ].sort(),
    );
    const roles: Record<string, string> = {
      [ids.redelivery]: ids.redeliveryRole,
      [ids.webhook]: ids.webhookRole,
      [ids.dispatch]: ids.dispatchRole,
      [ids.taskEvents]: ids.taskEventsRole,
      [ids.sweeper]: ids.sweeperRole,
      [ids.token]: ids.tokenRole,
      [ids.dashboard]: ids.dashboardRole,
    };
    const logs: Record<string, string> = {
      [ids.redelivery]: ids.redeliveryLogs,
      [ids.webhook]: ids.webhookLogs,
      [ids.dispatch]: ids.dispatchLogs,
      [ids.taskEvents]: ids.taskEventsLogs,
      [ids.sweeper]: ids.sweeperLogs,
      [ids.token]: ids.tokenLogs,
      [ids.dashboard]: ids.dashboardLogs,
    };
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': [roles[id], 'Arn'] },
        LoggingConfig: { LogGroup: { Ref: logs[id] } },
      });
      expect(s.template.toJSON().Resources[logs[id]!].Properties.RetentionInDays).toBe(30);
    }
  });

  it('webhook: a Function URL without IAM auth, no reserved concurrency by default, its environment', () => {
    s.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [ids.webhook, 'Arn'] },
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      ReservedConcurrentExecutions: Match.absent(),
      Role: { 'Fn::GetAtt': [ids.webhookRole, 'Arn'] },
    });
    expect(lambdaEnv(ids.webhook)).toEqual({
      ...common(),
      DISPATCH_FUNCTION_NAME: { Ref: ids.dispatch },
      NIGHTSHIFT_LABEL: 'agent',
    });
  });

  it('dispatch: async with 2 retries, an hour at most, failures to the dead-letter queue; ECS settings', () => {
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.dispatch },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.queue, 'Arn'] } } },
    });
    const subnets = s.stack.network.vpc.publicSubnets.map((subnet) => ({ Ref: s.id(subnet) }));
    expect(lambdaEnv(ids.dispatch)).toEqual({
      ...common(),
      ECS_CLUSTER: { 'Fn::GetAtt': [ids.cluster, 'Arn'] },
      ECS_TASK_DEFINITION: { Ref: ids.taskDefinition },
      ECS_CONTAINER_NAME: 'agent',
      ECS_SUBNETS: { 'Fn::Join': ['', [subnets[0], ',', subnets[1]]] },
      ECS_SECURITY_GROUPS: { 'Fn::GetAtt': [ids.securityGroup, 'GroupId'] },
      ECS_ASSIGN_PUBLIC_IP: 'true',
      NIGHTSHIFT_MAX_CONCURRENT_TASKS: '5',
      NIGHTSHIFT_MAX_DEPLOYMENT_TASKS: '20',
    });
  });

  it('task-events: on the EventBridge rule for this cluster’s STOPPED tasks, failures to the dead-letter queue', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { clusterArn: [{ 'Fn::GetAtt': [ids.cluster, 'Arn'] }], lastStatus: ['STOPPED'] },
      },
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [ids.taskEvents, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.queue, 'Arn'] } },
        }),
      ],
    });
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.taskEvents },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.queue, 'Arn'] } } },
    });
    expect(lambdaEnv(ids.taskEvents)).toEqual({
      ...common(),
      DISPATCH_FUNCTION_NAME: { Ref: ids.dispatch },
      // The month's spend as EMF metrics, where the budget alarm looks (functions/spend-metrics.ts).
      POWERTOOLS_METRICS_NAMESPACE: 'Nightshift/Nightshift',
    });
  });

  it('sweeper: every 5 minutes on an EventBridge schedule, never retried, no dead-letter queue', () => {
    const rules = resources('AWS::Events::Rule');
    expect(rules[ids.sweeperRule]!.Properties).toEqual({
      Tags: expect.any(Array) as unknown,
      Description: 'Nightshift: run the sweeper',
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [ids.sweeper, 'Arn'] },
          Id: 'Target0',
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
        },
      ],
    });
    // EventBridge may invoke it, from this rule only.
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ids.sweeper, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ids.sweeperRule, 'Arn'] },
    });
    const invokeConfigs = Object.values(resources('AWS::Lambda::EventInvokeConfig'))
      .map((c) => c.Properties)
      .filter((p) => JSON.stringify(p.FunctionName) === JSON.stringify({ Ref: ids.sweeper }));
    expect(invokeConfigs).toEqual([
      {
        FunctionName: { Ref: ids.sweeper },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 300,
      },
    ]);
    // Shorter than the interval: two sweeps never overlap.
    expect(s.template.toJSON().Resources[ids.sweeper].Properties.Timeout).toBe(120);
    expect(lambdaEnv(ids.sweeper)).toEqual({
      ...common(),
      DISPATCH_FUNCTION_NAME: { Ref: ids.dispatch },
      ECS_CLUSTER: { 'Fn::GetAtt': [ids.cluster, 'Arn'] },
      NIGHTSHIFT_MAX_TASK_MINUTES: '120',
      POWERTOOLS_METRICS_NAMESPACE: 'Nightshift/Nightshift',
    });
  });

  it('redelivery: every 10 minutes on an EventBridge schedule, never retried; the App key but no webhook secret', () => {
    expect(resources('AWS::Events::Rule')[ids.redeliveryRule]!.Properties).toEqual({
      Tags: expect.any(Array) as unknown,
      Description: 'Nightshift: redeliver failed webhook deliveries',
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [ids.redelivery, 'Arn'] },
          Id: 'Target0',
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 600 },
        },
      ],
    });
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ids.redelivery, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ids.redeliveryRule, 'Arn'] },
    });
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.redelivery },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 600,
    });
    expect(lambdaEnv(ids.redelivery)).toEqual({
      APP_ID: '123456',
      TABLE_NAME: { Ref: ids.table },
      PRIVATE_KEY_SECRET_ARN: { Ref: ids.privateKey },
      GITHUB_API_URL: 'https://api.github.com',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('token: invoked synchronously by the agent, the App key but no webhook secret in its environment', () => {
    const fn = s.template.toJSON().Resources[ids.token].Properties;
    expect(fn.Timeout).toBe(30);
    expect(fn.MemorySize).toBe(256);
    expect(lambdaEnv(ids.token)).toEqual({
      APP_ID: '123456',
      TABLE_NAME: { Ref: ids.table },
      PRIVATE_KEY_SECRET_ARN: { Ref: ids.privateKey },
      GITHUB_API_URL: 'https://api.github.com',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: '--enable-source-maps',
    });
    // Nobody else may invoke it: no resource policy, no Function URL, no event source.
    const aboutToken = (type: string) =>
      Object.values(resources(type)).filter((r) => JSON.stringify(r).includes(`"${ids.token}"`));
    expect(aboutToken('AWS::Lambda::Permission')).toEqual([]);
    expect(aboutToken('AWS::Lambda::Url')).toEqual([]);
    expect(aboutToken('AWS::Events::Rule')).toEqual([]);
  });

  it('set every variable the handlers read themselves', () => {
    const provided = new Set(['AWS_LAMBDA_FUNCTION_NAME', 'AWS_REGION']);
    const entries: Record<string, string> = {
      'functions/webhook/handler.ts': ids.webhook,
      'functions/dispatch/handler.ts': ids.dispatch,
      'functions/task-events/handler.ts': ids.taskEvents,
      'functions/sweeper/handler.ts': ids.sweeper,
      'functions/token/handler.ts': ids.token,
      'functions/dashboard/handler.ts': ids.dashboard,
    };
    for (const [file, fn] of Object.entries(entries)) {
      const source = readFileSync(join(PROJECT_ROOT, file), 'utf8');
      const read = [...source.matchAll(/process\.env\.([A-Z0-9_]+)|required\('([A-Z0-9_]+)'\)/g)].map(
        (m) => m[1] ?? m[2]!,
      );
      const set = new Set(Object.keys(lambdaEnv(fn)));
      expect(
        read.filter((name) => !set.has(name) && !provided.has(name)),
        file,
      ).toEqual([]);
    }
  });

  it('are bundled ESM (AWS SDK included) that loads in Node: no native module at import', () => {
    const { files } = assetManifest(s);
    for (const fn of [ids.webhook, ids.dispatch, ids.taskEvents, ids.sweeper, ids.token, ids.dashboard]) {
      const key = s.template.toJSON().Resources[fn].Properties.Code.S3Key as string;
      const asset = files[key.replace(/\.zip$/, '')];
      expect(asset?.source.packaging, fn).toBe('zip');
      const dir = join(s.assembly.directory, asset!.source.path);
      expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(BUNDLE_BANNER)).toBe(true);
      expect(code).toContain('DynamoDBClient');
      const loaded = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(join(dir, 'index.mjs'))}); console.log(typeof m.handler);`,
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 },
      );
      expect(loaded.stderr, fn).toBe('');
      expect(loaded.stdout.trim()).toBe('function');
    }
  });
});

group('agent task', () => {
  it('is a Fargate task definition: CPU, memory, x86_64, its two roles', () => {
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '2048',
      Memory: '4096',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      TaskRoleArn: { 'Fn::GetAtt': [ids.taskRole, 'Arn'] },
      ExecutionRoleArn: { 'Fn::GetAtt': [ids.executionRole, 'Arn'] },
    });
    only('AWS::ECS::Cluster');
  });

  it('runs one container with config in the environment and the Anthropic key from Secrets Manager', () => {
    const definitions = only('AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as Array<
      Record<string, unknown>
    >;
    expect(definitions).toHaveLength(1);
    const container = definitions[0]!;
    expect(container.Name).toBe('agent');
    expect(container.Essential).toBe(true);
    expect(container.Environment).toEqual([
      { Name: 'TABLE_NAME', Value: { Ref: ids.table } },
      { Name: 'GITHUB_API_URL', Value: 'https://api.github.com' },
      { Name: 'NIGHTSHIFT_TOKEN_FUNCTION', Value: { Ref: ids.token } },
      { Name: 'LOG_LEVEL', Value: 'info' },
      { Name: 'NIGHTSHIFT_WORK_ROOT', Value: '/workspace' },
      { Name: 'MCP_SECRET_ARN', Value: { Ref: ids.mcpSecret } },
      { Name: 'NIGHTSHIFT_SETUP_CACHE_BUCKET', Value: { Ref: ids.setupCache } },
      { Name: 'NIGHTSHIFT_SETUP_CACHE_MAX_MB', Value: '1024' },
      { Name: 'NIGHTSHIFT_SESSION_BUCKET', Value: { Ref: ids.sessions } },
      { Name: 'NIGHTSHIFT_PUBLIC_URL', Value: publicUrl() },
      { Name: 'NIGHTSHIFT_MAX_TASK_MINUTES', Value: '120' },
    ]);
    // No App private key: the agent asks the token function for installation tokens.
    expect(container.Secrets).toEqual([{ Name: 'ANTHROPIC_API_KEY', ValueFrom: { Ref: ids.anthropicKey } }]);
    expect(container.LogConfiguration).toMatchObject({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: ids.agentLogs }, 'awslogs-stream-prefix': 'agent' },
    });
    expect(s.template.toJSON().Resources[ids.agentLogs].Properties.RetentionInDays).toBe(30);
  });

  it('keeps only the capabilities the supervisor needs, with an init process', () => {
    const container = (
      only('AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as Array<Record<string, unknown>>
    )[0]!;
    expect(container.LinuxParameters).toEqual({
      Capabilities: { Drop: DROPPED_CAPABILITIES },
      InitProcessEnabled: true,
    });
    // Docker's defaults minus the dropped ones: exactly what the Dockerfile's comment promises.
    const dockerDefaults = [
      'AUDIT_WRITE',
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'MKNOD',
      'NET_BIND_SERVICE',
      'NET_RAW',
      'SETFCAP',
      'SETGID',
      'SETPCAP',
      'SETUID',
      'SYS_CHROOT',
    ];
    const kept = dockerDefaults.filter((c) => !(DROPPED_CAPABILITIES as string[]).includes(c));
    expect(kept).toEqual(['CHOWN', 'KILL', 'SETGID', 'SETUID']);
  });

  it('image: a Docker asset of agent-task/Dockerfile, whose context holds only the bundle and the Dockerfile', () => {
    const images = Object.values(assetManifest(s).dockerImages);
    expect(images).toHaveLength(1);
    const image = images[0]!.source;
    expect(image.dockerFile).toBe('agent-task/Dockerfile');
    expect(image.platform).toBe('linux/amd64');
    const context = join(s.assembly.directory, image.directory);
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : [relative(context, path)];
      });
    expect(files(context).sort()).toEqual([
      'agent-task/Dockerfile',
      'dist/agent-task/main.mjs',
      'dist/agent-task/main.mjs.map',
    ]);
    expect(readFileSync(join(context, 'agent-task/Dockerfile'), 'utf8')).toBe(
      readFileSync(join(PROJECT_ROOT, 'agent-task/Dockerfile'), 'utf8'),
    );
    // The bundle loads and gets as far as validating its environment (so no module failed to load).
    const run = spawnSync(process.execPath, [join(context, 'dist/agent-task/main.mjs')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('agent-task failed:');
    expect(run.stderr).toContain('TASK_ID');
  });

  it('Dockerfile: node:22-bookworm-slim pinned by digest, the tools and bubblewrap, no setuid bit, no tools user (a uid per task), the bundle, started as root on purpose', () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'agent-task/Dockerfile'), 'utf8');
    // One base from Docker Hub, by digest; no `# syntax=` frontend fetched at build time.
    expect(dockerfile).not.toMatch(/^# syntax=/m);
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:22-bookworm-slim@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile.match(/^FROM .*$/gm)).toEqual(['FROM ${BASE_IMAGE}']);
    for (const pkg of [
      'git',
      'ca-certificates',
      'gcc',
      'g++',
      'make',
      'libc6-dev',
      'python3',
      'procps',
      'bubblewrap',
    ]) {
      expect(dockerfile).toMatch(new RegExp(`^\\s+${pkg.replaceAll('+', '\\+')} \\\\$`, 'm'));
    }
    expect(dockerfile).not.toMatch(/build-essential \\$/m);
    expect(dockerfile).toMatch(/find \/ -xdev -perm \/6000 -type f -exec chmod a-s \{\} \+/);
    expect(dockerfile).not.toMatch(/useradd/);
    expect(dockerfile).toMatch(/^COPY dist\/agent-task\/main\.mjs\* \/app\/$/m);
    expect(dockerfile).not.toMatch(/^USER /m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--enable-source-maps", "\/app\/main\.mjs"\]$/m);
    const dockerignore = readFileSync(join(PROJECT_ROOT, '.dockerignore'), 'utf8');
    expect(dockerignore.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      '*',
      '!dist/agent-task/main.mjs',
      '!dist/agent-task/main.mjs.map',
      '!agent-task/Dockerfile',
    ]);
  });
});

group('network', () => {
  it('a new VPC with public subnets only: no NAT gateway, free gateway endpoints, rejected traffic logged', () => {
    only('AWS::EC2::VPC');
    s.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    s.template.resourceCountIs('AWS::EC2::Subnet', 2);
    for (const subnet of Object.values(resources('AWS::EC2::Subnet'))) {
      expect(subnet.Properties.MapPublicIpOnLaunch).toBe(true);
    }
    s.template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    s.template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'REJECT',
      LogDestinationType: 'cloud-watch-logs',
    });
  });

  it('the agent’s security group: nothing in, HTTPS out only', () => {
    const group = only('AWS::EC2::SecurityGroup');
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toEqual([
      {
        CidrIp: '0.0.0.0/0',
        Description: 'HTTPS to 0.0.0.0/0',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ]);
    s.template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    s.template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });
});

group('dead-letter queue and alarms', () => {
  it('the queue is encrypted, TLS only, kept 14 days', () => {
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Principal: { AWS: '*' },
          }),
        ]),
      },
    });
  });

  it('alarms on dispatch, webhook, sweeper and redelivery errors, webhook throttles, failed stops, dead letters and failed tasks', () => {
    const alarms = Object.values(resources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(8);
    const byMetric = (namespace: string, name: string) =>
      alarms.filter((a) => a.Namespace === namespace && a.MetricName === name);
    const lambdaErrors = byMetric('AWS/Lambda', 'Errors').map(
      (a) => (a.Dimensions as Array<{ Value: { Ref: string } }>)[0]!.Value.Ref,
    );
    expect(lambdaErrors.sort()).toEqual([ids.dispatch, ids.sweeper, ids.webhook, ids.redelivery].sort());
    // The webhook throttled: GitHub got an error for those deliveries (the redelivery asks again).
    expect(byMetric('AWS/Lambda', 'Throttles')).toEqual([
      expect.objectContaining({ Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.webhook } }] }),
    ]);
    // A runner the sweeper could not stop: the EMF metric it writes (functions/alarm-metrics.ts).
    expect(byMetric('Nightshift/Nightshift', RUNNER_STOP_FAILURES)).toEqual([
      expect.objectContaining({
        Dimensions: [{ Name: 'service', Value: METRIC_SERVICE }],
        Threshold: 1,
        Period: 300,
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
    for (const alarm of [...byMetric('AWS/Lambda', 'Errors'), ...byMetric('AWS/Lambda', 'Throttles')]) {
      expect(alarm).toMatchObject({
        Threshold: 1,
        Period: 300,
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    expect(byMetric('AWS/SQS', 'ApproximateNumberOfMessagesVisible')[0]).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.queue, 'QueueName'] } }],
    });
    expect(byMetric('Nightshift/Nightshift', 'AgentTasksFailed')[0]).toMatchObject({
      Threshold: 3,
      Period: 3600,
      Statistic: 'Sum',
    });
    for (const alarm of alarms) expect(alarm.TreatMissingData).toBe('notBreaching');
  });

  it('counts failed tasks from the four log groups where a task can fail', () => {
    const filters = Object.values(resources('AWS::Logs::MetricFilter')).map((f) => f.Properties);
    expect(
      filters.map((f) => ({
        logGroup: (f.LogGroupName as { Ref: string }).Ref,
        pattern: f.FilterPattern,
        metric: f.MetricTransformations,
      })),
    ).toEqual(
      expect.arrayContaining([
        {
          logGroup: ids.agentLogs,
          pattern: '{ ($.step = "end") && ($.status = "failed") }',
          metric: [
            { MetricName: 'AgentTasksFailed', MetricNamespace: 'Nightshift/Nightshift', MetricValue: '1' },
          ],
        },
        {
          logGroup: ids.taskEventsLogs,
          pattern: '{ $.msg = "runner stopped before the task ended: failing it" }',
          metric: [
            { MetricName: 'AgentTasksFailed', MetricNamespace: 'Nightshift/Nightshift', MetricValue: '1' },
          ],
        },
        {
          logGroup: ids.sweeperLogs,
          pattern: '{ $.msg = "runner stopped before the task ended: failing it" }',
          metric: [
            { MetricName: 'AgentTasksFailed', MetricNamespace: 'Nightshift/Nightshift', MetricValue: '1' },
          ],
        },
        {
          logGroup: ids.dispatchLogs,
          pattern: '{ $.msg = "dispatch failed" }',
          metric: [
            { MetricName: 'AgentTasksFailed', MetricNamespace: 'Nightshift/Nightshift', MetricValue: '1' },
          ],
        },
      ]),
    );
    expect(filters).toHaveLength(4);
  });

  it('the log lines those filters count are still written by the code', () => {
    const sources: Record<keyof typeof FAILED_TASK_LOG_LINES, string> = {
      agent: 'agent-task/step-log.ts',
      taskEvents: 'functions/runner-stopped.ts',
      sweeper: 'functions/runner-stopped.ts',
      dispatch: 'functions/dispatch/dispatch.ts',
    };
    for (const [where, file] of Object.entries(sources)) {
      const source = readFileSync(join(PROJECT_ROOT, file), 'utf8');
      const line = FAILED_TASK_LOG_LINES[where as keyof typeof FAILED_TASK_LOG_LINES];
      if ('msg' in line) expect(source, file).toContain(`'${line.msg}'`);
      if ('step' in line) expect(source, file).toContain(`step: '${line.step}'`);
      if ('status' in line) expect(source, file).toMatch(/status: (ended|task)\.status/);
    }
  });
});

group('outputs', () => {
  it('the webhook URL and the table name (and where to put the secrets)', () => {
    s.template.hasOutput('WebhookUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Webhook.*FunctionUrl'), 'FunctionUrl'] },
    });
    s.template.hasOutput('TableName', { Value: { Ref: ids.table } });
    s.template.hasOutput('PrivateKeySecretArn', { Value: { Ref: ids.privateKey } });
    s.template.hasOutput('AnthropicApiKeySecretArn', { Value: { Ref: ids.anthropicKey } });
    s.template.hasOutput('WebhookSecretArn', { Value: { Ref: ids.webhookSecret } });
  });
});

group('IAM: exact permissions of each role', () => {
  it('there are exactly these roles, none with a managed policy but CDK’s own provider’s', () => {
    const all = Object.keys(resources('AWS::IAM::Role'));
    const provider = all.filter(isCdkProvider);
    // The provider that empties the VPC's default security group (restrictDefaultSecurityGroup):
    // AWS's basic execution policy for its logs and ec2 rule changes on that one group.
    expect(provider).toHaveLength(1);
    const roles = Object.keys(withoutCdkProvider(resources('AWS::IAM::Role'))).sort();
    const flowLogRole = roles.find((r) => r.includes('RejectedTraffic'));
    expect(roles).toEqual(
      [
        ids.webhookRole,
        ids.dispatchRole,
        ids.taskEventsRole,
        ids.sweeperRole,
        ids.tokenRole,
        ids.redeliveryRole,
        ids.dashboardRole,
        ids.taskRole,
        ids.executionRole,
        flowLogRole,
      ].sort(),
    );
  });

  it('webhook: write tasks, read the GitHub secrets, invoke dispatch', () => {
    expect(rolePermissions(s.template, ids.webhookRole)).toEqual(
      sortPermissions([writeLogs(ids.webhookLogs), ...taskAccess(), githubSecrets(), invoke(ids.dispatch)]),
    );
  });

  it('dispatch: tasks, secrets, RunTask of this family on this cluster, PassRole of exactly its two roles, itself', () => {
    const family = s.stack.agent.taskDefinition.family;
    expect(rolePermissions(s.template, ids.dispatchRole)).toEqual(
      sortPermissions([
        writeLogs(ids.dispatchLogs),
        sendToDeadLetters(),
        ...taskAccess(),
        githubSecrets(),
        {
          effect: 'Allow',
          actions: ['ecs:RunTask'],
          resources: [`${ECS_ARN}:task-definition/${family}:*`],
          condition: { ArnEquals: { 'ecs:cluster': `{${ids.cluster}.Arn}` } },
        },
        {
          effect: 'Allow',
          actions: ['ecs:TagResource'],
          resources: [`${ECS_ARN}:task/{${ids.cluster}}/*`],
          condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
        },
        {
          effect: 'Allow',
          actions: ['iam:PassRole'],
          resources: [`{${ids.taskRole}.Arn}`, `{${ids.executionRole}.Arn}`].sort(),
          condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        },
        invoke(ids.dispatch),
      ]),
    );
  });

  it('task-events: tasks, secrets, invoke dispatch', () => {
    expect(rolePermissions(s.template, ids.taskEventsRole)).toEqual(
      sortPermissions([
        writeLogs(ids.taskEventsLogs),
        sendToDeadLetters(),
        ...taskAccess(),
        githubSecrets(),
        invoke(ids.dispatch),
      ]),
    );
  });

  it('sweeper: tasks, secrets, invoke dispatch, StopTask on this cluster’s tasks only', () => {
    expect(rolePermissions(s.template, ids.sweeperRole)).toEqual(
      sortPermissions([
        writeLogs(ids.sweeperLogs),
        ...taskAccess(),
        githubSecrets(),
        invoke(ids.dispatch),
        // Stopping this cluster's tasks, and reading them to find those past the hard maximum
        // (one statement: the minimizePolicies feature flag merges statements that match).
        {
          effect: 'Allow',
          actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
          resources: [`${ECS_ARN}:task/{${ids.cluster}}/*`],
          condition: { ArnEquals: { 'ecs:cluster': `{${ids.cluster}.Arn}` } },
        },
        {
          effect: 'Allow',
          actions: ['ecs:ListTasks'],
          resources: ['*'],
          condition: { ArnEquals: { 'ecs:cluster': `{${ids.cluster}.Arn}` } },
        },
      ]),
    );
    // listStale queries the byStatus index.
    const queries = rolePermissions(s.template, ids.sweeperRole).filter((p) =>
      p.actions.includes('dynamodb:Query'),
    );
    expect(queries.flatMap((p) => p.resources)).toContain(
      `${TABLE_ARN()}/index/${TABLE.indexes.byStatus.name}`,
    );
  });

  it('redelivery: tasks (its claims) and the App private key, nothing else', () => {
    expect(rolePermissions(s.template, ids.redeliveryRole)).toEqual(
      sortPermissions([
        writeLogs(ids.redeliveryLogs),
        ...taskAccess(),
        { effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: [`{${ids.privateKey}}`] },
      ]),
    );
  });

  it('token: read task items and the App private key (not the webhook secret), nothing else', () => {
    expect(rolePermissions(s.template, ids.tokenRole)).toEqual(
      sortPermissions([
        writeLogs(ids.tokenLogs),
        {
          effect: 'Allow',
          actions: ['dynamodb:GetItem'],
          resources: [TABLE_ARN()],
          condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TASK#*'] } },
        },
        { effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: [`{${ids.privateKey}}`] },
      ]),
    );
  });

  it('the private key is readable by the functions that mint tokens, never by the agent’s roles', () => {
    const readers = Object.keys(withoutCdkProvider(resources('AWS::IAM::Role'))).filter((role) =>
      rolePermissions(s.template, role).some(
        (p) =>
          p.actions.some((a) => a.startsWith('secretsmanager:')) &&
          p.resources.includes(`{${ids.privateKey}}`),
      ),
    );
    expect(readers.sort()).toEqual(
      [
        ids.webhookRole,
        ids.dispatchRole,
        ids.taskEventsRole,
        ids.sweeperRole,
        ids.tokenRole,
        ids.redeliveryRole,
      ].sort(),
    );
    for (const role of [ids.taskRole, ids.executionRole]) {
      const secretAccess = rolePermissions(s.template, role).filter((p) =>
        p.resources.includes(`{${ids.privateKey}}`),
      );
      expect(secretAccess, role).toEqual([]);
    }
  });

  it('agent task role: the table, invoking the token function, the setup cache prefix and writing session transcripts, nothing else; assumable only by this account’s ECS tasks', () => {
    expect(rolePermissions(s.template, ids.taskRole)).toEqual(
      sortPermissions([
        ...taskAccess(),
        invoke(ids.token),
        { effect: 'Allow', actions: ['secretsmanager:GetSecretValue'], resources: [`{${ids.mcpSecret}}`] },
        {
          effect: 'Allow',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [`{${ids.setupCache}.Arn}/setup-cache/*`],
        },
        {
          effect: 'Allow',
          actions: ['s3:ListBucket'],
          resources: [`{${ids.setupCache}.Arn}`],
          condition: { StringLike: { 's3:prefix': ['setup-cache/*'] } },
        },
        { effect: 'Allow', actions: ['s3:PutObject'], resources: [`{${ids.sessions}.Arn}/sessions/*`] },
      ]),
    );
    s.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Condition: {
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          },
        ],
      },
    });
  });

  it('agent execution role: pull the image, write the log stream, read the one injected secret', () => {
    expect(rolePermissions(s.template, ids.executionRole)).toEqual(
      sortPermissions([
        {
          effect: 'Allow',
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          resources: [
            'arn:{AWS::Partition}:ecr:{AWS::Region}:{AWS::AccountId}:repository/cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}',
          ],
        },
        { effect: 'Allow', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
        writeLogs(ids.agentLogs),
        {
          effect: 'Allow',
          actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          resources: [`{${ids.anthropicKey}}`],
        },
      ]),
    );
  });

  it('the flow log role writes to its log group only', () => {
    const role = Object.keys(resources('AWS::IAM::Role')).find((r) => r.includes('RejectedTraffic'))!;
    const flowLogs = s.id(s.stack.network.node.findChild('RejectedTrafficLogs') as IConstruct);
    expect(rolePermissions(s.template, role)).toEqual([
      {
        effect: 'Allow',
        actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        resources: [`{${flowLogs}.Arn}`],
      },
    ]);
  });

  it('no policy anywhere grants a "*" action', () => {
    const allowed = allPolicyDocuments(s.template)
      .flatMap((d) => d.Statement)
      .filter((statement) => statement.Effect === 'Allow');
    expect(allowed.length).toBeGreaterThan(20);
    const actions = allowed.flatMap((statement) =>
      Array.isArray(statement.Action) ? statement.Action : [statement.Action],
    );
    expect(actions.filter((a) => a === undefined || a.includes('*'))).toEqual([]);
    // The wildcards are Denies: the dead-letter queue and the two buckets refuse every action without TLS.
    const denied = allPolicyDocuments(s.template)
      .flatMap((d) => d.Statement)
      .filter((statement) => statement.Effect !== 'Allow');
    expect(denied).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    );
    expect(denied).toHaveLength(3);
  });
});

group('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks(s.app, { verbose: true }).validateScope(s.stack);
    const errors = report.violations.filter((v) => v.severity === 'error');
    expect(
      errors.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
    // Warnings are allowed but listed here, so that a new one is a conscious decision.
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(Annotations.fromStack(s.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual(
      [],
    );
    expect(Annotations.fromStack(s.stack).findError('*', Match.anyValue())).toEqual([]);
  });

  /** [construct path under the stack, rule id] of every acknowledgement in the stack. */
  function acknowledgements(): Array<[string, string]> {
    const found: Array<[string, string]> = [];
    for (const node of s.stack.node.findAll()) {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          // CDK's own template checks acknowledge their findings too; only ours are listed here.
          if (!/^(Annotation::)?AwsSolutions-/.test(id)) continue;
          expect(reason.length, id).toBeGreaterThan(80);
          found.push([node.node.path.replace(`${s.stack.node.path}/`, ''), id.replace(/^Annotation::/, '')]);
        }
      }
    }
    return found.sort();
  }

  it('acknowledges exactly these rules, each with a written reason', () => {
    const family = s.stack.agent.taskDefinition.family;
    const ecsArn = 'arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>';
    expect(acknowledgements()).toEqual(
      [
        ['Agent/Cluster', 'AwsSolutions-ECS4'],
        ['Agent/ExecutionRole', 'AwsSolutions-IAM5[Resource::*]'],
        ['Agent/TaskDefinition', 'AwsSolutions-ECS2'],
        ['Agent/TaskRole', `AwsSolutions-IAM5[Resource::<${ids.setupCache}.Arn>/setup-cache/*]`],
        ['Agent/TaskRole', `AwsSolutions-IAM5[Resource::<${ids.sessions}.Arn>/sessions/*]`],
        ['DeadLetters/Queue', 'AwsSolutions-SQS3'],
        ['Dashboard/Dashboard/Function', 'AwsSolutions-L1'],
        ['Dashboard/OAuthClient', 'AwsSolutions-SMG4'],
        ['Dashboard/SessionKey', 'AwsSolutions-SMG4'],
        ['McpSecret/Secret', 'AwsSolutions-SMG4'],
        ['Guards/Redelivery/Function', 'AwsSolutions-L1'],
        ['Dispatch/Dispatch/Function', 'AwsSolutions-L1'],
        ['Dispatch/Dispatch/Role', `AwsSolutions-IAM5[Resource::${ecsArn}:task-definition/${family}:*]`],
        ['Dispatch/Dispatch/Role', `AwsSolutions-IAM5[Resource::${ecsArn}:task/<${ids.cluster}>/*]`],
        ['Secrets/AnthropicApiKey', 'AwsSolutions-SMG4'],
        ['Secrets/PrivateKey', 'AwsSolutions-SMG4'],
        ['Secrets/WebhookSecret', 'AwsSolutions-SMG4'],
        ['SetupCache/Bucket', 'AwsSolutions-S1'],
        ['Sessions/Bucket', 'AwsSolutions-S1'],
        ['Sweeper/Sweeper/Function', 'AwsSolutions-L1'],
        ['Sweeper/Sweeper/Role', `AwsSolutions-IAM5[Resource::${ecsArn}:task/<${ids.cluster}>/*]`],
        ['Sweeper/Sweeper/Role', 'AwsSolutions-IAM5[Resource::*]'],
        ['TaskEvents/TaskEvents/Function', 'AwsSolutions-L1'],
        ['Token/Token/Function', 'AwsSolutions-L1'],
        ['Webhook/Webhook/Function', 'AwsSolutions-L1'],
      ].sort(),
    );
  });

  it('each acknowledgement silences a real finding, and nothing else is silenced', () => {
    // The same checks with acknowledgements ignored: guards against a check that passes because it
    // never ran, and against an acknowledgement left behind after its finding went away.
    const pack = new AwsSolutionsChecks(s.app);
    (pack as unknown as { isAcknowledged(): boolean }).isAcknowledged = () => false;
    const findings = pack
      .validateScope(s.stack)
      .violations.filter((v) => v.severity === 'error')
      .flatMap((v) =>
        v.violatingResources.map((r): [string, string] => [
          r.constructPath!.replace(`${s.stack.node.path}/`, ''),
          v.ruleName,
        ]),
      );
    const acks = acknowledgements();
    const covers = ([path, id]: [string, string], [findingPath, findingId]: [string, string]) =>
      id === findingId && (findingPath === path || findingPath.startsWith(`${path}/`));
    expect(findings.filter((f) => !acks.some((a) => covers(a, f)))).toEqual([]);
    expect(acks.filter((a) => !findings.some((f) => covers(a, f)))).toEqual([]);
  });
});
