/**
 * The webhook function behind a Function URL: GitHub posts every delivery here.
 *
 * The URL has no IAM authentication (authType NONE) because GitHub cannot sign requests for AWS:
 * the function's first step is the HMAC-SHA256 signature check (X-Hub-Signature-256, the webhook
 * secret) and it refuses anything unsigned before parsing it. Reserved concurrency caps what a
 * flood of requests can cost and keeps the account's other functions their share.
 *
 * Its role: write tasks (the delivery, the intent, the task), read the GitHub secrets, invoke
 * dispatch.
 */
import { Duration } from 'aws-cdk-lib';
import { FunctionUrlAuthType, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AppSecrets } from './app-secrets.js';
import { NightshiftFunction } from './nightshift-function.js';
import { grantTaskAccess } from './task-access.js';
import type { TasksTable } from './tasks-table.js';

export interface WebhookProps {
  environment: Record<string, string>;
  label: string;
  tasks: TasksTable;
  secrets: AppSecrets;
  dispatch: NightshiftFunction;
  reservedConcurrency?: number;
  logRetention: RetentionDays;
}

export class Webhook extends Construct {
  readonly handler: NightshiftFunction;
  readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: WebhookProps) {
    super(scope, id);
    this.handler = new NightshiftFunction(this, 'Webhook', {
      entry: 'functions/webhook/handler.ts',
      description: 'Nightshift: GitHub webhook intake (signature check, trigger, record, dispatch)',
      // GitHub waits 10 s for an answer; the handler answers as soon as the task is recorded. The
      // margin is for a cold start that also reads the secrets.
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      ...(props.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrency }
        : {}),
      environment: {
        ...props.environment,
        DISPATCH_FUNCTION_NAME: props.dispatch.functionName,
        NIGHTSHIFT_LABEL: props.label,
      },
    });
    const role = this.handler.role;
    grantTaskAccess(role, props.tasks);
    props.secrets.grantGitHubSecrets(role);
    props.dispatch.grantInvokeTo(role);

    this.url = this.handler.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
  }
}
