/**
 * Everything Nightshift runs on AWS, as DESIGN.md draws it:
 *
 *   GitHub ─▶ Webhook (Function URL) ─▶ Dispatch (async) ─▶ AgentTask (ECS Fargate)
 *                                              ▲                   │ STOPPED    │ invoke
 *                                              ├── TaskEvents ◀────┘            ▼
 *                                              │   (EventBridge)          Token (installation
 *                                              │                          tokens; holds the key)
 *                                              └── Sweeper (EventBridge schedule: stuck tasks)
 *
 *   people ─▶ Dashboard (Function URL, sign in with GitHub) ─▶ the table, read only
 *
 * with the table, the secrets, the network, the setup cache bucket, the dead-letter queue and the
 * alarms. Settings come
 * from cdk/config.ts.
 */
import { Annotations, CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { NightshiftConfig } from './config.js';
import { AgentTask } from './constructs/agent-task.js';
import { Alarms } from './constructs/alarms.js';
import { AppSecrets } from './constructs/app-secrets.js';
import { Dashboard } from './constructs/dashboard.js';
import { McpSecret } from './constructs/mcp-secret.js';
import { DeadLetterQueue } from './constructs/dead-letter-queue.js';
import { Dispatch } from './constructs/dispatch.js';
import { applyGovernance } from './constructs/governance.js';
import { Network } from './constructs/network.js';
import { BudgetGuard } from './constructs/budget-guard.js';
import { RuntimeGuards } from './constructs/runtime-guards.js';
import { SetupCacheBucket } from './constructs/setup-cache-bucket.js';
import { SessionArchiveBucket } from './constructs/session-archive-bucket.js';
import { Sweeper } from './constructs/sweeper.js';
import { TaskEvents } from './constructs/task-events.js';
import { TasksTable } from './constructs/tasks-table.js';
import { TokenFunction } from './constructs/token-function.js';
import { Webhook } from './constructs/webhook.js';

export interface NightshiftStackProps extends StackProps {
  config: NightshiftConfig;
}

export class NightshiftStack extends Stack {
  readonly tasks: TasksTable;
  readonly secrets: AppSecrets;
  readonly network: Network;
  readonly token: TokenFunction;
  readonly agent: AgentTask;
  readonly mcpSecret: McpSecret;
  readonly setupCache: SetupCacheBucket;
  readonly sessions: SessionArchiveBucket;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly dispatch: Dispatch;
  readonly webhook: Webhook;
  readonly taskEvents: TaskEvents;
  readonly sweeper: Sweeper;
  readonly alarms: Alarms;
  readonly dashboard: Dashboard;
  readonly guards: RuntimeGuards;
  readonly budget: BudgetGuard;

  constructor(scope: Construct, id: string, props: NightshiftStackProps) {
    super(scope, id, {
      description:
        'Nightshift: a GitHub App that hands issues and /agent fix comments to a background coding agent',
      ...props,
    });
    const { config } = props;
    const logRetention = config.logRetentionDays as RetentionDays;
    if (!config.appId) {
      Annotations.of(this).addWarningV2(
        'nightshift:appId',
        'nightshift:appId is not set: the functions and the agent will refuse to start. Set it in cdk.json ' +
          '(context "nightshift:appId") or pass -c nightshift:appId=<your App id>.',
      );
    }
    const appId = config.appId ?? '';
    applyGovernance(this, {
      tags: config.tags,
      ...(config.permissionsBoundary ? { permissionsBoundary: config.permissionsBoundary } : {}),
    });

    this.tasks = new TasksTable(this, 'Tasks', { tableName: config.tableName });
    this.secrets = new AppSecrets(this, 'Secrets');
    this.network = new Network(this, 'Network', {
      ...(config.vpcId ? { vpcId: config.vpcId } : {}),
      subnetIds: config.subnetIds,
      securityGroupIds: config.securityGroupIds,
      vpcEndpoints: config.vpcEndpoints,
      subnetType: config.subnetType,
      natGateways: config.natGateways,
      maxAzs: config.maxAzs,
      egressCidrs: config.egressCidrs,
      egressPrefixLists: config.egressPrefixLists,
      logRetention,
    });
    this.token = new TokenFunction(this, 'Token', {
      environment: {
        APP_ID: appId,
        TABLE_NAME: this.tasks.table.tableName,
        PRIVATE_KEY_SECRET_ARN: this.secrets.privateKey.secretArn,
        GITHUB_API_URL: config.githubApiUrl,
        LOG_LEVEL: config.logLevel,
      },
      tasks: this.tasks,
      secrets: this.secrets,
      logRetention,
    });
    this.agent = new AgentTask(this, 'Agent', {
      vpc: this.network.vpc,
      tasks: this.tasks,
      secrets: this.secrets,
      tokenFunction: this.token.handler,
      githubApiUrl: config.githubApiUrl,
      logLevel: config.logLevel,
      cpu: config.agentCpu,
      memoryMiB: config.agentMemoryMiB,
      ...(config.agentStorageGiB !== undefined ? { ephemeralStorageGiB: config.agentStorageGiB } : {}),
      architecture: config.agentArchitecture,
      ...(config.agentImage ? { image: config.agentImage } : {}),
      containerInsights: config.containerInsights,
      logRetention,
    });
    this.mcpSecret = new McpSecret(this, 'McpSecret', { agent: this.agent });
    this.setupCache = new SetupCacheBucket(this, 'SetupCache', { expiryDays: config.setupCacheDays });
    this.setupCache.grantTo(this.agent.taskRole);
    this.agent.container.addEnvironment('NIGHTSHIFT_SETUP_CACHE_BUCKET', this.setupCache.bucket.bucketName);
    this.agent.container.addEnvironment('NIGHTSHIFT_SETUP_CACHE_MAX_MB', String(config.setupCacheMaxMiB));
    this.sessions = new SessionArchiveBucket(this, 'Sessions', { expiryDays: config.sessionArchiveDays });
    this.sessions.grantWriteTo(this.agent.taskRole);
    this.agent.container.addEnvironment('NIGHTSHIFT_SESSION_BUCKET', this.sessions.bucket.bucketName);
    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters');
    this.dashboard = new Dashboard(this, 'Dashboard', {
      tasks: this.tasks,
      githubApiUrl: config.githubApiUrl,
      logLevel: config.logLevel,
      logRetention,
    });
    // The dashboard's address without the Function URL's trailing slash: a task's page is
    // `${NIGHTSHIFT_PUBLIC_URL}/status/tasks/<id>` (the check run's details_url).
    const publicUrl = `https://${Fn.select(2, Fn.split('/', this.dashboard.url.url))}`;
    this.agent.container.addEnvironment('NIGHTSHIFT_PUBLIC_URL', publicUrl);

    /** What every function needs to reach GitHub and the table; secrets by ARN only. */
    const environment = {
      APP_ID: appId,
      TABLE_NAME: this.tasks.table.tableName,
      PRIVATE_KEY_SECRET_ARN: this.secrets.privateKey.secretArn,
      WEBHOOK_SECRET_ARN: this.secrets.webhookSecret.secretArn,
      GITHUB_API_URL: config.githubApiUrl,
      LOG_LEVEL: config.logLevel,
      NIGHTSHIFT_PUBLIC_URL: publicUrl,
    };
    this.dispatch = new Dispatch(this, 'Dispatch', {
      environment,
      tasks: this.tasks,
      secrets: this.secrets,
      agent: this.agent,
      network: this.network,
      deadLetterQueue: this.deadLetterQueue.queue,
      maxEventAge: Duration.minutes(config.dispatchMaxEventAgeMinutes),
      logRetention,
      maxConcurrentTasks: config.maxConcurrentTasks,
    });
    this.webhook = new Webhook(this, 'Webhook', {
      environment,
      label: config.label,
      tasks: this.tasks,
      secrets: this.secrets,
      dispatch: this.dispatch.handler,
      ...(config.webhookReservedConcurrency !== undefined
        ? { reservedConcurrency: config.webhookReservedConcurrency }
        : {}),
      logRetention,
    });
    this.taskEvents = new TaskEvents(this, 'TaskEvents', {
      environment,
      tasks: this.tasks,
      secrets: this.secrets,
      agent: this.agent,
      dispatch: this.dispatch.handler,
      deadLetterQueue: this.deadLetterQueue.queue,
      logRetention,
    });
    this.sweeper = new Sweeper(this, 'Sweeper', {
      environment,
      tasks: this.tasks,
      secrets: this.secrets,
      agent: this.agent,
      dispatch: this.dispatch.handler,
      interval: Duration.minutes(config.sweepIntervalMinutes),
      logRetention,
    });
    this.alarms = new Alarms(this, 'Alarms', {
      dispatch: this.dispatch.handler,
      webhook: this.webhook.handler,
      taskEvents: this.taskEvents.handler,
      sweeper: this.sweeper.handler,
      agentLogs: this.agent.logGroup,
      deadLetterQueue: this.deadLetterQueue.queue,
      failedTasksThreshold: config.failedTasksAlarmThreshold,
      ...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
      ...(config.alarmTopicArn ? { alarmTopicArn: config.alarmTopicArn } : {}),
    });

    this.guards = new RuntimeGuards(this, 'Guards', {
      environment: {
        APP_ID: appId,
        TABLE_NAME: this.tasks.table.tableName,
        GITHUB_API_URL: config.githubApiUrl,
        LOG_LEVEL: config.logLevel,
      },
      tasks: this.tasks,
      secrets: this.secrets,
      agent: this.agent,
      dispatch: this.dispatch.handler,
      sweeper: this.sweeper.handler,
      webhook: this.webhook.handler,
      maxDeploymentTasks: config.maxDeploymentTasks,
      maxTaskMinutes: config.maxTaskMinutes,
      ...(this.alarms.topic ? { topic: this.alarms.topic } : {}),
      logRetention,
    });

    this.budget = new BudgetGuard(this, 'Budget', {
      dispatch: this.dispatch.handler,
      taskEvents: this.taskEvents.handler,
      ...(config.installationMonthlyUsd !== undefined
        ? { installationMonthlyUsd: config.installationMonthlyUsd }
        : {}),
      ...(this.alarms.topic ? { topic: this.alarms.topic } : {}),
    });

    new CfnOutput(this, 'WebhookUrl', {
      description: "The GitHub App's webhook URL (Settings → Webhook → Webhook URL)",
      value: this.webhook.url.url,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description:
        "The status page (sign in with GitHub); the App's Callback URL is this address followed by login/callback",
      value: this.dashboard.url.url,
    });
    new CfnOutput(this, 'DashboardOAuthClientSecretArn', {
      description:
        'Put {"clientId": "…", "clientSecret": "…"} of the GitHub App here (the dashboard\'s sign-in)',
      value: this.dashboard.oauthClient.secretArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'The DynamoDB table (TABLE_NAME; nightshift tasks --aws --table <it>)',
      value: this.tasks.table.tableName,
    });
    new CfnOutput(this, 'PrivateKeySecretArn', {
      description: "Put the GitHub App's private key (PEM) here",
      value: this.secrets.privateKey.secretArn,
    });
    new CfnOutput(this, 'AnthropicApiKeySecretArn', {
      description: 'Put the Anthropic API key here',
      value: this.secrets.anthropicApiKey.secretArn,
    });
    new CfnOutput(this, 'WebhookSecretArn', {
      description: "The generated webhook secret: copy it into the GitHub App's settings",
      value: this.secrets.webhookSecret.secretArn,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Events given up on after retries',
      value: this.deadLetterQueue.queue.queueUrl,
    });
  }
}
