/** How cdk-nag spells the resources of its findings, for acknowledgements that name them. */
import { type CfnElement, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AgentTask } from './agent-task.js';

/** An ECS ARN as cdk-nag spells it in a finding id: unresolved parts as `<AWS::…>`. */
export function nagEcsArn(scope: Construct, resource: string): string {
  const stack = Stack.of(scope);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  // A known region gives a literal partition (the feature flag @aws-cdk/core:enablePartitionLiterals).
  const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
  return `arn:${partition}:ecs:${region}:${account}:${resource}`;
}

/** `AgentTask.clusterTasksArn()` as cdk-nag spells it: the cluster's name as `<LogicalId>`. */
export function nagClusterTasksArn(agent: AgentTask): string {
  const cluster = Stack.of(agent).getLogicalId(agent.cluster.node.defaultChild as CfnElement);
  return nagEcsArn(agent, `task/<${cluster}>/*`);
}
