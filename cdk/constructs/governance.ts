/**
 * What a platform team expects of every resource, applied once to the whole stack rather than
 * remembered construct by construct (so roles CDK makes for itself are covered too):
 *
 * - cost-allocation tags on every taggable resource (and, through the task definition and
 *   RunTask's `propagateTags`, on every agent task);
 * - an optional permissions boundary on every role;
 * - `aws:SourceAccount` in every service trust policy, so only this account's use of a service
 *   can assume its roles (the confused-deputy guard AWS recommends).
 */
import { Aspects, Aws, CfnResource, type IAspect, Stack, Tags } from 'aws-cdk-lib';
import { CfnRole, ManagedPolicy, PermissionsBoundary } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

export interface GovernanceOptions {
  tags: Record<string, string>;
  /** A managed policy's name, or its ARN. */
  permissionsBoundary?: string;
}

export const STACK_TAG = 'nightshift:stack';

export function applyGovernance(stack: Stack, options: GovernanceOptions): void {
  const tags = { [STACK_TAG]: stack.stackName, ...options.tags };
  for (const [key, value] of Object.entries(tags)) Tags.of(stack).add(key, value);
  Aspects.of(stack).add(new TagRawResources(tags));
  if (options.permissionsBoundary) {
    const boundary = options.permissionsBoundary.startsWith('arn:')
      ? ManagedPolicy.fromManagedPolicyArn(stack, 'PermissionsBoundary', options.permissionsBoundary)
      : ManagedPolicy.fromManagedPolicyName(stack, 'PermissionsBoundary', options.permissionsBoundary);
    PermissionsBoundary.of(stack).apply(boundary);
  }
  Aspects.of(stack).add(new SourceAccountInTrust());
}

/**
 * Tags.of reaches the L1 and L2 resources; CDK's custom-resource providers write their role and
 * function as raw resources, which it does not, so they get the same tags here.
 */
class TagRawResources implements IAspect {
  constructor(private readonly tags: Record<string, string>) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || node instanceof CfnRole) return;
    if (!RAW_TAGGABLE.has(node.cfnResourceType) || node.constructor !== CfnResource) return;
    node.addPropertyOverride(
      'Tags',
      Object.entries(this.tags).map(([Key, Value]) => ({ Key, Value })),
    );
  }
}

const RAW_TAGGABLE = new Set(['AWS::IAM::Role', 'AWS::Lambda::Function']);

interface TrustStatement {
  Effect?: string;
  Principal?: { Service?: unknown };
  Condition?: Record<string, Record<string, unknown>>;
}

const SOURCE_ACCOUNT = 'Condition.StringEquals.aws:SourceAccount';

/** Adds `StringEquals aws:SourceAccount` to each service principal's statement that lacks it. */
class SourceAccountInTrust implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof CfnRole) this.visitRole(node);
    else if (
      node instanceof CfnResource &&
      node.cfnResourceType === 'AWS::IAM::Role' &&
      node.constructor === CfnResource
    ) {
      // A role CDK writes as a raw resource (its custom-resource providers): one statement, for
      // lambda.amazonaws.com. test/cdk checks every role of the template, so a change shows.
      node.addPropertyOverride(`AssumeRolePolicyDocument.Statement.0.${SOURCE_ACCOUNT}`, Aws.ACCOUNT_ID);
    }
  }

  private visitRole(node: CfnRole): void {
    const stack = Stack.of(node);
    const document = stack.resolve(node.assumeRolePolicyDocument) as { Statement?: TrustStatement[] };
    (document.Statement ?? []).forEach((statement, i) => {
      if (statement.Effect !== 'Allow' || !statement.Principal?.Service) return;
      if (statement.Condition?.StringEquals?.['aws:SourceAccount'] !== undefined) return;
      node.addPropertyOverride(`AssumeRolePolicyDocument.Statement.${i}.${SOURCE_ACCOUNT}`, Aws.ACCOUNT_ID);
    });
  }
}
