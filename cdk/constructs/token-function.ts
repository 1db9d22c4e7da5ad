/**
 * The token function: the agent container's only way to a GitHub installation token. The container
 * invokes it with its task id and the nonce dispatch gave it; the function checks both against the
 * task record (the task must exist, be dispatched or running, and the nonce's hash must match) and
 * mints a token for that task's repository only (functions/token/). A Lambda cannot see which ECS
 * task invoked it, so the nonce is what binds a caller to one task.
 *
 * Its role: read task items (GetItem on `TASK#…` keys, nothing else of the table), read the App's
 * private key (not the webhook secret). Only the agent's task role may invoke it.
 */
import { Duration } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AppSecrets } from './app-secrets.js';
import { NightshiftFunction } from './nightshift-function.js';
import type { TasksTable } from './tasks-table.js';

export interface TokenFunctionProps {
  /** APP_ID, TABLE_NAME, PRIVATE_KEY_SECRET_ARN, GITHUB_API_URL, LOG_LEVEL. */
  environment: Record<string, string>;
  tasks: TasksTable;
  secrets: AppSecrets;
  logRetention: RetentionDays;
}

export class TokenFunction extends Construct {
  readonly handler: NightshiftFunction;

  constructor(scope: Construct, id: string, props: TokenFunctionProps) {
    super(scope, id);
    this.handler = new NightshiftFunction(this, 'Token', {
      entry: 'functions/token/handler.ts',
      description: "Nightshift: an installation token for one agent task's repository",
      timeout: Duration.seconds(30),
      memorySize: 256,
      logRetention: props.logRetention,
      environment: props.environment,
    });
    const role = this.handler.role;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:GetItem'],
        resources: [props.tasks.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TASK#*'] } },
      }),
    );
    props.secrets.grantPrivateKey(role);
  }
}
