/**
 * The three secrets, in Secrets Manager. Their values never pass through the template or a plain
 * environment variable: the Lambda functions read them at cold start by ARN, ECS injects the
 * Anthropic key into the agent container. The App's private key never reaches the container: the
 * token function mints the agent's tokens.
 *
 * - the webhook secret is generated here (read it with `aws secretsmanager get-secret-value` and
 *   paste it into the GitHub App's settings);
 * - the App's private key and the Anthropic key are created EMPTY: the operator sets them with
 *   `aws secretsmanager put-secret-value` (README "Deploying"). Until then the functions and the
 *   task fail at start with a message naming the secret, rather than run with a placeholder.
 */
import { Validations } from 'aws-cdk-lib';
import { type CfnSecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export class AppSecrets extends Construct {
  readonly privateKey: Secret;
  readonly webhookSecret: Secret;
  readonly anthropicApiKey: Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.privateKey = emptySecret(
      this,
      'PrivateKey',
      "The GitHub App's private key (PEM), set by the operator",
    );
    this.anthropicApiKey = emptySecret(this, 'AnthropicApiKey', 'The Anthropic API key, set by the operator');
    this.webhookSecret = new Secret(this, 'WebhookSecret', {
      description: "The GitHub App's webhook secret: paste this value into the App's settings",
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });

    for (const secret of [this.privateKey, this.anthropicApiKey, this.webhookSecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'These values are issued by GitHub (the App private key, the webhook secret as configured in the App) and by ' +
          'Anthropic; Secrets Manager cannot rotate them on its own. Rotation is done by generating a new value at the ' +
          'issuer and putting it here, as the README describes.',
      });
    }
  }

  /** GetSecretValue on the App's private key only (the token function: no webhook secret). */
  grantPrivateKey(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.privateKey.secretArn],
      }),
    );
  }

  /** GetSecretValue on the two secrets the GitHub side needs (the functions; not the Anthropic key). */
  grantGitHubSecrets(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.privateKey.secretArn, this.webhookSecret.secretArn],
      }),
    );
  }
}

/** A secret with no value: no `GenerateSecretString`, no `SecretString`. */
function emptySecret(scope: Construct, id: string, description: string): Secret {
  const secret = new Secret(scope, id, { description });
  (secret.node.defaultChild as CfnSecret).addPropertyDeletionOverride('GenerateSecretString');
  return secret;
}
