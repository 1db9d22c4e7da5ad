import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../cdk/config.js';

const from =
  (context: Record<string, unknown>) =>
  (key: string): unknown =>
    context[key];

describe('readConfig', () => {
  it('defaults: public subnets, HTTPS anywhere, 2 vCPU / 4 GiB, 30-day logs, the webhook unreserved', () => {
    expect(readConfig(from({}))).toEqual({
      stackName: 'Nightshift',
      githubApiUrl: 'https://api.github.com',
      label: 'agent',
      logLevel: 'info',
      tableName: 'nightshift',
      logRetentionDays: 30,
      subnetType: 'public',
      natGateways: 1,
      maxAzs: 2,
      egressCidrs: ['0.0.0.0/0'],
      egressPrefixLists: [],
      subnetIds: [],
      securityGroupIds: [],
      vpcEndpoints: false,
      agentCpu: 2048,
      agentMemoryMiB: 4096,
      agentArchitecture: 'x86_64',
      containerInsights: false,
      setupCacheDays: 14,
      setupCacheMaxMiB: 1024,
      sessionArchiveDays: 90,
      webhookReservedConcurrency: undefined,
      dispatchMaxEventAgeMinutes: 60,
      maxConcurrentTasks: 5,
      maxDeploymentTasks: 20,
      maxTaskMinutes: 120,
      sweepIntervalMinutes: 5,
      failedTasksAlarmThreshold: 3,
      tags: { application: 'nightshift' },
    });
  });

  it('reads tags as key=value pairs on the command line, and refuses AWS-reserved keys', () => {
    expect(readConfig(from({ 'nightshift:tags': 'team=platform, cost-center=42' })).tags).toEqual({
      team: 'platform',
      'cost-center': '42',
    });
    expect(() => readConfig(from({ 'nightshift:tags': { 'aws:owner': 'x' } }))).toThrow(/nightshift:tags/);
  });

  it('wants the VPC of explicit subnets and security groups, and ids of the right kind', () => {
    expect(() => readConfig(from({ 'nightshift:subnetIds': 'subnet-0a1b' }))).toThrow(
      /nightshift:subnetIds: .*set vpcId too/,
    );
    expect(() =>
      readConfig(
        from({
          'nightshift:vpcId': 'vpc-0a1b',
          'nightshift:subnetIds': 'subnet-0a1b,sg-1',
          'nightshift:securityGroupIds': 'x',
        }),
      ),
    ).toThrow(/subnetIds.1: sg-1 is not a subnet id[\s\S]*securityGroupIds.0: x is not a security group id/);
  });

  it('reads -c strings: numbers, booleans, comma-separated lists, "none"', () => {
    const config = readConfig(
      from({
        'nightshift:appId': '123456',
        'nightshift:agentCpu': '1024',
        'nightshift:agentMemoryMiB': '3072',
        'nightshift:containerInsights': 'true',
        'nightshift:egressCidrs': '140.82.112.0/20, 2606:50c0::/32',
        'nightshift:webhookReservedConcurrency': 'none',
      }),
    );
    expect(config).toMatchObject({
      appId: '123456',
      agentCpu: 1024,
      agentMemoryMiB: 3072,
      containerInsights: true,
      egressCidrs: ['140.82.112.0/20', '2606:50c0::/32'],
      webhookReservedConcurrency: undefined,
    });
  });

  it('treats "" and null in cdk.json as unset', () => {
    expect(readConfig(from({ 'nightshift:appId': '', 'nightshift:label': null })).appId).toBeUndefined();
    expect(readConfig(from({ 'nightshift:label': null })).label).toBe('agent');
  });

  it('names every bad key and says what it wants', () => {
    const read = () =>
      readConfig(
        from({
          'nightshift:appId': 'my-app',
          'nightshift:agentCpu': 1024,
          'nightshift:agentMemoryMiB': 512,
          'nightshift:logRetentionDays': 31,
          'nightshift:egressCidrs': [],
          'nightshift:egressPrefixLists': 'sg-123',
          'nightshift:alarmEmail': 'a@example.com',
          'nightshift:alarmTopicArn': 'arn:aws:sns:eu-west-1:111111111111:x',
        }),
      );
    expect(read).toThrow(ConfigError);
    const message = (() => {
      try {
        read();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const key of ['appId', 'agentMemoryMiB', 'logRetentionDays', 'egressPrefixLists.0', 'alarmEmail']) {
      expect(message).toContain(`nightshift:${key}:`);
    }
    expect(message).toContain('not a Fargate size for 1024 CPU units');
    expect(message).toContain('pl-');
  });

  it('refuses an egress that allows nothing', () => {
    expect(() => readConfig(from({ 'nightshift:egressCidrs': '' }), { egressCidrs: [] })).toThrow(
      /at least one CIDR or prefix list/,
    );
  });
});
