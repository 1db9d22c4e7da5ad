/**
 * One of Nightshift's Lambda functions: a `NodejsFunction` bundled with the local esbuild (see
 * cdk/bundling.ts), Node 22 on arm64, with its own log group (retention set) and its own role,
 * which starts with nothing but writing to that log group. No AWS managed policy is attached.
 */
import { join } from 'node:path';
import { type Duration, Validations } from 'aws-cdk-lib';
import { Effect, type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type IDestination, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { lambdaBundling, PROJECT_ROOT } from '../bundling.js';

export interface NightshiftFunctionProps {
  /** The handler file, relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  environment: Record<string, string>;
  timeout: Duration;
  memorySize?: number;
  reservedConcurrentExecutions?: number;
  logRetention: RetentionDays;
  /** Asynchronous invocations: retries, age limit and where a failed event goes (if anywhere). */
  async?: { retryAttempts: number; maxEventAge: Duration; onFailure?: IDestination };
}

export class NightshiftFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: NightshiftFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Nightshift ${id} function`,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      description: props.description,
      // The bundles carry source maps; Node uses them for stack traces only when told to.
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      role: this.role,
      logGroup: this.logGroup,
      bundling: lambdaBundling,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(props.async
        ? {
            retryAttempts: props.async.retryAttempts,
            maxEventAge: props.async.maxEventAge,
            ...(props.async.onFailure ? { onFailure: props.async.onFailure } : {}),
          }
        : {}),
    });
    this.logGroup.grantWrite(this.role);

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 (LTS, supported by Lambda until 2027) is the runtime the bundles target (cdk/bundling.ts) and the ' +
        'agent container runs (node:22); the functions and the container move to the next LTS together.',
    });
  }

  /**
   * lambda:InvokeFunction on exactly this function, unqualified (callers invoke it by name). CDK's
   * own `grantInvoke` would add every version and alias (`…:*`), which nothing here uses.
   */
  grantInvokeTo(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(this.invokeStatement());
  }

  invokeStatement(): PolicyStatement {
    return new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['lambda:InvokeFunction'],
      resources: [this.function.functionArn],
    });
  }

  get functionArn(): string {
    return this.function.functionArn;
  }

  get functionName(): string {
    return this.function.functionName;
  }
}
