/**
 * The status page on AWS: a function behind its own Function URL (functions/dashboard/) that
 * serves the status page and each task's page to people signed in with GitHub, each seeing only
 * the repositories they can read there.
 *
 * The URL has no IAM authentication (authType NONE): browsers cannot sign requests for AWS, and
 * the function itself refuses everything but the sign-in flow without a valid session cookie. Two
 * secrets, neither in the template:
 * - the App's OAuth client, created EMPTY: the operator puts `{"clientId": "…", "clientSecret": "…"}`
 *   from the App's settings (cdk/README.md "The dashboard");
 * - the session key that signs the cookies, generated here.
 *
 * Its role: read tasks and their log lines (GetItem and Query on `TASK#…` keys, Query on the two
 * indexes the pages list from), read its two secrets. No write of any kind, no App private key,
 * no webhook secret. Reserved concurrency caps what a flood of requests can cost.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type CfnSecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { TABLE } from '../../core/store/table.js';
import { NightshiftFunction } from './nightshift-function.js';
import type { TasksTable } from './tasks-table.js';

/** The indexes the pages list tasks from (core/store/records/task-lists.ts). */
export const DASHBOARD_INDEXES = [TABLE.indexes.recent.name, TABLE.indexes.byRepository.name] as const;

/** How many requests the dashboard serves at once at most. */
export const DASHBOARD_RESERVED_CONCURRENCY = 5;

export interface DashboardProps {
  tasks: TasksTable;
  githubApiUrl: string;
  logLevel: string;
  logRetention: RetentionDays;
}

export class Dashboard extends Construct {
  readonly handler: NightshiftFunction;
  readonly url: FunctionUrl;
  readonly oauthClient: Secret;
  readonly sessionKey: Secret;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    this.oauthClient = new Secret(this, 'OAuthClient', {
      description:
        'The GitHub App\'s OAuth client for the dashboard\'s sign-in, as JSON {"clientId": "…", "clientSecret": "…"}, set by the operator',
    });
    (this.oauthClient.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    this.sessionKey = new Secret(this, 'SessionKey', {
      description: "The key that signs the dashboard's session cookies (generated)",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    this.handler = new NightshiftFunction(this, 'Dashboard', {
      entry: 'functions/dashboard/handler.ts',
      description: 'Nightshift: the status page and task pages, for people signed in with GitHub',
      timeout: Duration.seconds(30),
      memorySize: 512,
      reservedConcurrentExecutions: DASHBOARD_RESERVED_CONCURRENCY,
      logRetention: props.logRetention,
      environment: {
        TABLE_NAME: props.tasks.table.tableName,
        GITHUB_API_URL: props.githubApiUrl,
        LOG_LEVEL: props.logLevel,
        DASHBOARD_OAUTH_CLIENT_SECRET_ARN: this.oauthClient.secretArn,
        DASHBOARD_SESSION_KEY_SECRET_ARN: this.sessionKey.secretArn,
      },
    });
    const role = this.handler.role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [props.tasks.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TASK#*'] } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:Query'],
        resources: DASHBOARD_INDEXES.map((name) => `${props.tasks.table.tableArn}/index/${name}`),
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.oauthClient.secretArn, this.sessionKey.secretArn],
      }),
    );

    this.url = this.handler.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    for (const secret of [this.oauthClient, this.sessionKey]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          "The OAuth client secret is issued by GitHub (rotated by generating a new one in the App's settings and " +
          'putting it here); the session key is rotated by putting a new random value, which signs everyone out. ' +
          'Secrets Manager cannot rotate either on its own.',
      });
    }
  }
}
