/**
 * The agent container's image. By default it is a Docker image asset built from
 * `agent-task/Dockerfile` by `cdk deploy`; synth only prepares its build context, so synth needs
 * neither Docker nor the network:
 *
 * 1. esbuild bundles `agent-task/main.ts` (the same settings as the Lambda functions) into
 *    `<cdk.out>/nightshift-agent-image/dist/agent-task/main.mjs`;
 * 2. the Dockerfile is copied next to it, at the path it has in the repository;
 * 3. that folder is the asset: CDK fingerprints and stages it, and the CLI builds and pushes the
 *    image at deploy time.
 *
 * The context mirrors the repository's layout, so `npm run build && docker build -f
 * agent-task/Dockerfile .` at the repository root builds the same image by hand. Building from this
 * context (rather than copying whatever `dist/` holds) means a deploy can never ship a stale bundle.
 *
 * With `nightshift:agentImage` set, that image is used instead and nothing is built.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Stage } from 'aws-cdk-lib';
import { Repository } from 'aws-cdk-lib/aws-ecr';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { bundleAgent, PROJECT_ROOT, writePlaceholderAgent } from './bundling.js';

export const DOCKERFILE = 'agent-task/Dockerfile';
export const AGENT_BUNDLE = 'dist/agent-task/main.mjs';

/** `123456789012.dkr.ecr.eu-west-1.amazonaws.com/repo[:tag|@sha256:…]` */
const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/;

export interface AgentImageOptions {
  /** A pre-built image URI; unset builds agent-task/Dockerfile. */
  image?: string;
  architecture: 'x86_64' | 'arm64';
}

export function agentImage(scope: Construct, options: AgentImageOptions): ContainerImage {
  if (options.image) return prebuiltImage(scope, options.image);
  const context = stageBuildContext(scope);
  return ContainerImage.fromAsset(context, {
    file: DOCKERFILE,
    platform: options.architecture === 'arm64' ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
  });
}

/** Write the Docker build context under the cloud assembly's folder and return its path. */
function stageBuildContext(scope: Construct): string {
  const stage = Stage.of(scope);
  if (!stage) throw new Error('the agent image must be defined inside a CDK App');
  const context = join(stage.outdir, `nightshift-agent-image-${Stack.of(scope).stackName}`);
  const bundle = join(context, AGENT_BUNDLE);
  if (Stack.of(scope).bundlingRequired) bundleAgent(bundle);
  else writePlaceholderAgent(bundle);
  mkdirSync(join(context, 'agent-task'), { recursive: true });
  copyFileSync(join(PROJECT_ROOT, DOCKERFILE), join(context, DOCKERFILE));
  return context;
}

/**
 * An ECR image is referenced through its repository, so the execution role is granted pull on that
 * repository only; any other URI is pulled as a public image.
 */
function prebuiltImage(scope: Construct, uri: string): ContainerImage {
  const ecr = ECR_IMAGE.exec(uri);
  if (!ecr) return ContainerImage.fromRegistry(uri);
  const [, account, region, name, tag, digest] = ecr;
  const repository = Repository.fromRepositoryAttributes(scope, 'AgentImageRepository', {
    repositoryName: name!,
    repositoryArn: Stack.of(scope).formatArn({
      service: 'ecr',
      account,
      region,
      resource: 'repository',
      resourceName: name,
    }),
  });
  return ContainerImage.fromEcrRepository(repository, digest ?? tag ?? 'latest');
}
