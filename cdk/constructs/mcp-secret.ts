/**
 * The secrets the repositories' MCP servers may name (`${{ secrets.NAME }}` in `mcpServers`):
 * one Secrets Manager secret holding a JSON object of names to values, created EMPTY (the operator
 * puts the object with `aws secretsmanager put-secret-value`, cdk/README.md). Only the agent task
 * role may read it; the agent program reads it once at start (MCP_SECRET_ARN), never ECS into a
 * plain variable, and hands each value only to the server whose entry names it.
 */
import { CfnOutput, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type CfnSecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AgentTask } from './agent-task.js';

export class McpSecret extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: { agent: AgentTask }) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'Secrets for MCP servers, a JSON object of names to values: {"DOCS_TOKEN": "…"}',
    });
    (this.secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The values are issued by the services the MCP servers call (documentation, issue trackers); Secrets Manager ' +
        'cannot rotate them. Rotate at the issuer and put the new JSON object here.',
    });
    props.agent.taskRole.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.secret.secretArn],
      }),
    );
    props.agent.container.addEnvironment('MCP_SECRET_ARN', this.secret.secretArn);
    new CfnOutput(scope, 'McpSecretArn', {
      description: "Put the MCP servers' secrets here, as a JSON object of names to values",
      value: this.secret.secretArn,
    });
  }
}
