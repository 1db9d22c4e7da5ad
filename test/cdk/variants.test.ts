/**
 * The settings that change the template: each variant is one synth without bundling (the default
 * synth in stack.test.ts covers the bundles), checked for what the setting changes and for cdk-nag.
 */
import { rmSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe as group, expect, it } from 'vitest';
import { METRIC_SERVICE } from '../../functions/alarm-metrics.js';
import { INSTALLATION_MONTH_SPEND } from '../../functions/spend-metrics.js';
import { rolePermissions, type Synthesized, synthesize } from './synth.js';

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

function nagErrors(s: Synthesized): string[] {
  return new AwsSolutionsChecks(s.app)
    .validateScope(s.stack)
    .violations.map(
      (v) =>
        `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
}

const lambdaEnv = (s: Synthesized, fn: string) =>
  s.template.toJSON().Resources[fn].Properties.Environment.Variables as Record<string, unknown>;

group('private subnets behind NAT', () => {
  it('puts the task in private subnets without a public IP, with the NAT gateways asked for', () => {
    const s = variant({ subnetType: 'private', natGateways: 2, maxConcurrentTasks: 12 });
    s.template.resourceCountIs('AWS::EC2::NatGateway', 2);
    s.template.resourceCountIs('AWS::EC2::Subnet', 4);
    const dispatch = s.id(s.stack.dispatch.handler.function);
    const privateSubnets = s.stack.network.vpc.privateSubnets.map((subnet) => ({ Ref: s.id(subnet) }));
    expect(privateSubnets).toHaveLength(2);
    expect(lambdaEnv(s, dispatch)).toMatchObject({
      NIGHTSHIFT_MAX_CONCURRENT_TASKS: '12', // nightshift:maxConcurrentTasks
      ECS_ASSIGN_PUBLIC_IP: 'false',
      ECS_SUBNETS: { 'Fn::Join': ['', [privateSubnets[0], ',', privateSubnets[1]]] },
    });
    expect(nagErrors(s)).toEqual([]);
  });
});

group('an existing VPC', () => {
  it('is looked up by id (no VPC, no flow log created here)', () => {
    const s = variant(
      { vpcId: 'vpc-0123456789abcdef0', subnetType: 'private' },
      {
        env: { account: '111111111111', region: 'eu-west-1' },
        // cdk.json's validateAgainstDefaultRules checks the template, and CDK's stand-in for a VPC
        // not looked up yet has an id no real VPC has; the CLI synthesizes again after the lookup.
        acknowledge: { 'CloudFormation-Validate::E1151': 'the VPC lookup’s dummy id (vpc-12345)' },
      },
    );
    s.template.resourceCountIs('AWS::EC2::VPC', 0);
    s.template.resourceCountIs('AWS::EC2::FlowLog', 0);
    // Without cached lookup context CDK synthesizes against its dummy VPC and records the lookup.
    expect(s.assembly.manifest.missing?.map((m) => m.provider)).toContain('vpc-provider');
    s.template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: Match.stringLikeRegexp('^vpc-') });
  });
});

group('narrowed egress', () => {
  it('allows HTTPS to the listed CIDRs and prefix lists only', () => {
    const s = variant({
      egressCidrs: ['140.82.112.0/20', '2606:50c0::/32'],
      egressPrefixLists: ['pl-0123abcd'],
    });
    const group = Object.values(s.template.findResources('AWS::EC2::SecurityGroup'))[0]!;
    expect(group.Properties.SecurityGroupEgress).toEqual([
      {
        CidrIp: '140.82.112.0/20',
        Description: 'HTTPS to 140.82.112.0/20',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
      {
        CidrIpv6: '2606:50c0::/32',
        Description: 'HTTPS to 2606:50c0::/32',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ]);
    // A prefix list rule cannot be inline: CDK makes it a resource of its own.
    const separate = Object.values(s.template.findResources('AWS::EC2::SecurityGroupEgress'));
    expect(separate.map((r) => r.Properties)).toEqual([
      {
        GroupId: { 'Fn::GetAtt': [s.id(s.stack.network.securityGroups[0]!), 'GroupId'] },
        DestinationPrefixListId: 'pl-0123abcd',
        Description: 'HTTPS to pl-0123abcd',
        FromPort: 443,
        IpProtocol: 'tcp',
        ToPort: 443,
      },
    ]);
    expect(nagErrors(s)).toEqual([]);
  });
});

group('agent settings', () => {
  it('CPU, memory, storage, arm64, Container Insights', () => {
    const s = variant({
      agentCpu: 4096,
      agentMemoryMiB: 16384,
      agentStorageGiB: 60,
      agentArchitecture: 'arm64',
      containerInsights: true,
      logRetentionDays: 90,
    });
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '4096',
      Memory: '16384',
      EphemeralStorage: { SizeInGiB: 60 },
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    s.template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    for (const group of Object.values(s.template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(90);
    }
    expect(nagErrors(s)).toEqual([]);
  });

  it('a pre-built ECR image: no Docker asset, pull granted on that repository only', () => {
    const uri = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/nightshift-agent:v1.2.3';
    const s = variant({ agentImage: uri });
    s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: Match.objectLike({ 'Fn::Join': Match.anyValue() }) })],
    });
    const image = JSON.stringify(
      (
        s.template.toJSON().Resources[s.id(s.stack.agent.taskDefinition)].Properties
          .ContainerDefinitions as unknown[]
      )[0],
    );
    expect(image).toContain('111111111111.dkr.ecr.eu-west-1.');
    expect(image).toContain('/nightshift-agent:v1.2.3');
    const pull = rolePermissions(s.template, s.id(s.stack.agent.executionRole)).find((p) =>
      p.actions.includes('ecr:BatchGetImage'),
    );
    expect(pull?.resources).toEqual([
      'arn:{AWS::Partition}:ecr:eu-west-1:111111111111:repository/nightshift-agent',
    ]);
    expect(nagErrors(s)).toEqual([]);
  });
});

group('webhook concurrency and alarms', () => {
  it('"none" leaves the webhook unreserved; an e-mail gets a TLS-only topic that every alarm notifies', () => {
    const s = variant({ webhookReservedConcurrency: 'none', alarmEmail: 'oncall@example.com' });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('webhook'),
      ReservedConcurrentExecutions: Match.absent(),
    });
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    const topic = Object.keys(s.template.findResources('AWS::SNS::Topic'))[0]!;
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(8);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    expect(nagErrors(s)).toEqual([]);
  });

  it('an existing topic by ARN', () => {
    const arn = 'arn:aws:sns:eu-west-1:111111111111:oncall';
    const s = variant({ alarmTopicArn: arn });
    s.template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(s.template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([arn]);
    }
  });
});

group('sweeper interval', () => {
  it('runs at the interval asked for; its timeout and event age never outlast it', () => {
    const s = variant({ sweepIntervalMinutes: 1 });
    const sweeper = s.id(s.stack.sweeper.handler.function);
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [sweeper, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    expect(s.template.toJSON().Resources[sweeper].Properties.Timeout).toBe(60);
    s.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: sweeper },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    expect(nagErrors(s)).toEqual([]);
  });
});

group('an installation budget', () => {
  it('reaches dispatch, and alarms at 80% of it on the spend the task-events function publishes', () => {
    const s = variant({ installationMonthlyUsd: '250', alarmEmail: 'ops@example.com' });
    const dispatch = s.id(s.stack.dispatch.handler.function);
    const taskEvents = s.id(s.stack.taskEvents.handler.function);
    expect(lambdaEnv(s, dispatch)).toMatchObject({ NIGHTSHIFT_INSTALLATION_MONTHLY_USD: '250' });
    expect(lambdaEnv(s, taskEvents)).toMatchObject({
      POWERTOOLS_METRICS_NAMESPACE: 'Nightshift/Nightshift',
    });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Nightshift/Nightshift',
      MetricName: INSTALLATION_MONTH_SPEND,
      Dimensions: [{ Name: 'service', Value: METRIC_SERVICE }],
      Statistic: 'Maximum',
      Threshold: 200,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlarmsTopic') }],
    });
    expect(nagErrors(s)).toEqual([]);
  });

  it('is off by default: no budget for dispatch, no alarm, the spend metrics still published', () => {
    const s = variant({});
    const dispatch = s.id(s.stack.dispatch.handler.function);
    const taskEvents = s.id(s.stack.taskEvents.handler.function);
    expect(lambdaEnv(s, dispatch)).not.toHaveProperty('NIGHTSHIFT_INSTALLATION_MONTHLY_USD');
    expect(lambdaEnv(s, taskEvents)).toHaveProperty('POWERTOOLS_METRICS_NAMESPACE');
    s.template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: INSTALLATION_MONTH_SPEND },
      0,
    );
  });
});
