/**
 * What a platform team checks before a first deploy: reservation off by default, cost tags on
 * every resource and task, an optional permissions boundary on every role, the account in every
 * service trust, the default security group closed, a read-only root with writable volumes, and
 * the network options (explicit subnets and groups, VPC endpoints). Each variant is one synth
 * without bundling, and cdk-nag stays clean in each.
 */
import { rmSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe as group, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './synth.js';

const made: Synthesized[] = [];
function variant(...args: Parameters<typeof synthesize>): Synthesized {
  const [overrides, options] = args;
  const s = synthesize(overrides, { bundling: false, ...options });
  made.push(s);
  return s;
}
afterAll(() => {
  for (const s of made) rmSync(s.outdir, { recursive: true, force: true });
});

const nagErrors = (s: Synthesized) =>
  new AwsSolutionsChecks(s.app).validateScope(s.stack).violations.map((v) => v.ruleName);

type Resource = { Type: string; Properties?: Record<string, unknown> };
const resourcesOf = (s: Synthesized) => s.template.toJSON().Resources as Record<string, Resource>;

/** Resource types CloudFormation cannot tag (or CDK does not tag through Tags.of). */
const UNTAGGABLE = new Set([
  'AWS::IAM::Policy',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::Url',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::Route',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::VPCEndpoint',
  'AWS::SQS::QueuePolicy',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::CloudWatch::Alarm',
  'AWS::Logs::MetricFilter',
  'AWS::ECS::ClusterCapacityProviderAssociations',
  'Custom::VpcRestrictDefaultSG',
  'AWS::CDK::Metadata',
]);

const tagsOf = (r: Resource) =>
  Object.fromEntries(
    ((r.Properties?.Tags ?? []) as Array<{ Key: string; Value: string }>).map((t) => [t.Key, t.Value]),
  );

group('a first deploy on a new account', () => {
  const s = variant();

  it('reserves no webhook concurrency by default (Lambda keeps 100 of the account unreserved)', () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('webhook intake'),
      ReservedConcurrentExecutions: Match.absent(),
    });
    const reserved = variant({ webhookReservedConcurrency: 20 });
    reserved.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('webhook intake'),
      ReservedConcurrentExecutions: 20,
    });
  });

  it('tags every taggable resource with the stack and the cost-allocation tags', () => {
    const tagged = variant({ tags: { team: 'platform', 'cost-center': '42' } });
    const untagged = Object.entries(resourcesOf(tagged))
      .filter(([, r]) => !UNTAGGABLE.has(r.Type))
      .filter(([, r]) => {
        const tags = tagsOf(r);
        return (
          tags['nightshift:stack'] !== 'Nightshift' ||
          tags.team !== 'platform' ||
          tags['cost-center'] !== '42'
        );
      })
      .map(([id, r]) => `${id} (${r.Type})`);
    expect(untagged).toEqual([]);
    // The task definition carries them, and RunTask propagates them to each task
    // (functions/runners/ecs-runner.ts: propagateTags TASK_DEFINITION).
    tagged.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Tags: Match.arrayWith([{ Key: 'team', Value: 'platform' }]),
    });
  });

  it('puts this account in every service trust policy (the confused-deputy guard)', () => {
    const roles = Object.entries(resourcesOf(s)).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(8);
    for (const [id, role] of roles) {
      const statements = (
        role.Properties!.AssumeRolePolicyDocument as { Statement: Array<Record<string, unknown>> }
      ).Statement;
      for (const statement of statements) {
        expect((statement.Principal as { Service?: unknown }).Service, id).toBeDefined();
        expect(statement.Condition, id).toMatchObject({
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        });
      }
    }
  });

  it('closes the new VPC’s default security group', () => {
    s.template.hasResourceProperties('Custom::VpcRestrictDefaultSG', {
      DefaultSecurityGroupId: { 'Fn::GetAtt': [Match.anyValue(), 'DefaultSecurityGroup'] },
    });
  });

  it('runs the agent on a read-only root, writing only to its workspace and /tmp volumes', () => {
    const definition = s.template.findResources('AWS::ECS::TaskDefinition');
    const properties = Object.values(definition)[0]!.Properties as {
      Volumes: Array<{ Name: string }>;
      ContainerDefinitions: Array<Record<string, unknown>>;
    };
    expect(properties.Volumes).toEqual([{ Name: 'workspace' }, { Name: 'tmp' }]);
    const container = properties.ContainerDefinitions[0]!;
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.MountPoints).toEqual([
      { ContainerPath: '/workspace', ReadOnly: false, SourceVolume: 'workspace' },
      { ContainerPath: '/tmp', ReadOnly: false, SourceVolume: 'tmp' },
    ]);
    // The task folders (the tools' home among them) go to the workspace volume.
    expect(container.Environment).toContainEqual({ Name: 'NIGHTSHIFT_WORK_ROOT', Value: '/workspace' });
  });

  it('stays cdk-nag clean', () => {
    expect(nagErrors(s)).toEqual([]);
  });
});

group('a permissions boundary', () => {
  it('is set on every role, by name or by ARN', () => {
    for (const [boundary, expected] of [
      [
        'TeamBoundary',
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':policy/TeamBoundary'],
          ],
        },
      ],
      ['arn:aws:iam::111111111111:policy/Boundary', 'arn:aws:iam::111111111111:policy/Boundary'],
    ] as const) {
      const s = variant({ permissionsBoundary: boundary });
      const roles = Object.entries(resourcesOf(s)).filter(([, r]) => r.Type === 'AWS::IAM::Role');
      for (const [id, role] of roles) expect(role.Properties!.PermissionsBoundary, id).toEqual(expected);
      expect(nagErrors(s)).toEqual([]);
    }
  });
});

group('an existing VPC with explicit subnets and security groups', () => {
  it('uses them as given, without a lookup (synth needs no credentials)', () => {
    const s = variant({
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: ['subnet-0aaa', 'subnet-0bbb'],
      securityGroupIds: ['sg-0ccc', 'sg-0ddd'],
      subnetType: 'private',
    });
    expect(s.assembly.manifest.missing ?? []).toEqual([]);
    s.template.resourceCountIs('AWS::EC2::VPC', 0);
    s.template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    const dispatch = s.id(s.stack.dispatch.handler.function);
    const env = s.template.toJSON().Resources[dispatch].Properties.Environment.Variables as Record<
      string,
      unknown
    >;
    expect(env).toMatchObject({
      ECS_SUBNETS: 'subnet-0aaa,subnet-0bbb',
      ECS_SECURITY_GROUPS: 'sg-0ccc,sg-0ddd',
      ECS_ASSIGN_PUBLIC_IP: 'false',
    });
    expect(nagErrors(s)).toEqual([]);
  });
});

group('VPC endpoints', () => {
  it('adds the interface endpoints Fargate and the agent need, reachable from the agent only', () => {
    const s = variant({ vpcEndpoints: true, subnetType: 'private', egressCidrs: ['140.82.112.0/20'] });
    const endpoints = Object.values(s.template.findResources('AWS::EC2::VPCEndpoint')).map(
      (e) => e.Properties as { ServiceName: unknown; VpcEndpointType?: string; PrivateDnsEnabled?: boolean },
    );
    const names = endpoints.map((e) => JSON.stringify(e.ServiceName));
    for (const service of [
      'ecr.api',
      'ecr.dkr',
      'logs',
      'secretsmanager',
      'sts',
      'lambda',
      'dynamodb',
      's3',
    ]) {
      expect(
        names.some((n) => n.includes(`.${service}`)),
        service,
      ).toBe(true);
    }
    expect(endpoints.filter((e) => e.VpcEndpointType === 'Interface')).toHaveLength(6);
    const groups = s.template.findResources('AWS::EC2::SecurityGroup');
    const endpointGroup = Object.entries(groups).find(([, g]) =>
      String(g.Properties.GroupDescription).includes('VPC endpoints'),
    )!;
    const agentGroup = s.id(s.stack.network.securityGroups[0]!);
    // In: HTTPS from the agent's group only. The agent's group may reach it despite the allow-list.
    expect(endpointGroup[1].Properties.SecurityGroupIngress).toEqual([
      {
        Description: 'HTTPS from the agent tasks',
        IpProtocol: 'tcp',
        FromPort: 443,
        ToPort: 443,
        SourceSecurityGroupId: { 'Fn::GetAtt': [agentGroup, 'GroupId'] },
      },
    ]);
    s.template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [agentGroup, 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [endpointGroup[0], 'GroupId'] },
      FromPort: 443,
    });
    expect(nagErrors(s)).toEqual([]);
  });

  it('adds the gateway endpoints to a looked-up VPC (explicit subnets carry no route tables)', () => {
    const gatewaysOf = (s: Synthesized) =>
      Object.values(s.template.findResources('AWS::EC2::VPCEndpoint')).filter(
        (e) => e.Properties.VpcEndpointType === 'Gateway',
      );
    const env = { account: '111111111111', region: 'eu-west-1' };
    const acknowledge = { 'CloudFormation-Validate::E1151': 'the VPC lookup’s dummy id (vpc-12345)' };
    const lookedUp = variant({ vpcId: 'vpc-0123456789abcdef0', vpcEndpoints: true }, { env, acknowledge });
    expect(gatewaysOf(lookedUp)).toHaveLength(2);
    const explicit = variant({
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: ['subnet-0aaa'],
      vpcEndpoints: true,
    });
    expect(gatewaysOf(explicit)).toHaveLength(0);
    expect(explicit.template.findResources('AWS::EC2::VPCEndpoint')).not.toEqual({});
  });
});
