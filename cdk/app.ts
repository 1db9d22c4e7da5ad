/**
 * The CDK app (`cdk.json`: `npx tsx cdk/app.ts`): wiring only. Settings are read from the context
 * (cdk/config.ts), and cdk-nag's AwsSolutions checks run on every synth, so a finding that is not
 * suppressed with a reason fails `cdk synth` and `cdk deploy`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.js';
import { NightshiftStack } from './nightshift-stack.js';

const app = new App();
const config = readConfig((key) => app.node.tryGetContext(key));
new NightshiftStack(app, config.stackName, {
  config,
  // Unset without credentials: the stack is then environment-agnostic, which synth handles offline
  // (an existing VPC, nightshift:vpcId, needs them: it is looked up).
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
