/**
 * Test helpers: synthesize the stack as `npm run synth` does (cdk.json's context, the same config
 * reader), and read IAM out of the template in a form a reviewer can compare by eye.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../cdk/bundling.js';
import { CONTEXT_PREFIX, type NightshiftConfig, readConfig } from '../../cdk/config.js';
import { NightshiftStack } from '../../cdk/nightshift-stack.js';

export interface Synthesized {
  app: App;
  stack: NightshiftStack;
  template: Template;
  assembly: CloudAssembly;
  outdir: string;
  /** The logical id of a construct's CloudFormation resource. */
  id(construct: IConstruct): string;
}

/**
 * cdk.json's context as the CLI would pass it (feature flags and the like), without the
 * deployment's own `nightshift:` settings: the tests assert the defaults, whatever an operator put
 * in cdk.json.
 */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(cdkJson.context ?? {}).filter(([key]) => !key.startsWith(CONTEXT_PREFIX)),
  );
}

export function synthesize(
  overrides: Partial<Record<keyof NightshiftConfig, unknown>> = {},
  options: {
    bundling?: boolean;
    env?: { account: string; region: string };
    /** Synth-time validation findings to acknowledge, with the reason. */
    acknowledge?: Record<string, string>;
  } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'nightshift-cdk-'));
  const context: Record<string, unknown> = { ...cdkJsonContext() };
  // Skipping bundling (a CDK context key) makes variant synths fast; the main synth bundles.
  if (options.bundling === false) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ outdir, context });
  const config = readConfig((key) => app.node.tryGetContext(key), { appId: '123456', ...overrides });
  // Environment-agnostic unless asked, as a synth without credentials is: regions and accounts
  // stay tokens.
  const stack = new NightshiftStack(app, config.stackName, {
    config,
    ...(options.env ? { env: options.env } : {}),
  });
  for (const [id, reason] of Object.entries(options.acknowledge ?? {}))
    Validations.of(stack).acknowledge({ id, reason });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    assembly,
    outdir,
    id: (construct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement),
  };
}

/**
 * An intrinsic as readable text: `{Ref}` → `{Name}`, `{Fn::GetAtt: [X, Arn]}` → `{X.Arn}`,
 * joins concatenated, pseudo parameters as `{AWS::Region}`.
 */
interface AssetManifest {
  files: Record<string, { source: { path: string; packaging?: string } }>;
  dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform?: string } }>;
}

/** The stack's asset manifest (where the staged Lambda bundles and the Docker context are). */
export function assetManifest(synthesized: Synthesized): AssetManifest {
  const path = join(synthesized.assembly.directory, `${synthesized.stack.artifactId}.assets.json`);
  return JSON.parse(readFileSync(path, 'utf8')) as AssetManifest;
}

export function describe(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(describe);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Ref') return `{${String(arg)}}`;
    if (entries.length === 1 && key === 'Fn::GetAtt') return `{${(arg as string[]).join('.')}}`;
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((p) => String(describe(p))).join(separator);
    }
    if (entries.length === 1 && key === 'Fn::Sub') return arg;
    return Object.fromEntries(entries.map(([k, v]) => [k, describe(v)]));
  }
  return value;
}

export interface Permission {
  effect: string;
  actions: string[];
  resources: string[];
  condition?: unknown;
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface PolicyDocument {
  Statement: Array<{ Effect: string; Action?: string | string[]; Resource?: unknown; Condition?: unknown }>;
}

function toPermissions(document: PolicyDocument): Permission[] {
  return document.Statement.map((s) => ({
    effect: s.Effect,
    actions: asList(s.Action).sort(),
    resources: asList(s.Resource as unknown)
      .map((r) => String(describe(r)))
      .sort(),
    ...(s.Condition ? { condition: describe(s.Condition) } : {}),
  }));
}

/** Every statement that applies to a role: inline policies and every AWS::IAM::Policy attached to it. */
export function rolePermissions(template: Template, roleId: string): Permission[] {
  const role = template.toJSON().Resources[roleId] as {
    Type: string;
    Properties: { Policies?: Array<{ PolicyDocument: PolicyDocument }>; ManagedPolicyArns?: unknown[] };
  };
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  if (role.Properties.ManagedPolicyArns?.length) throw new Error(`${roleId} has managed policies`);
  const inline = (role.Properties.Policies ?? []).flatMap((p) => toPermissions(p.PolicyDocument));
  const attached = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) =>
      asList((p.Properties as { Roles?: unknown[] }).Roles).some((r) => describe(r) === `{${roleId}}`),
    )
    .flatMap((p) => toPermissions((p.Properties as { PolicyDocument: PolicyDocument }).PolicyDocument));
  return sortPermissions([...inline, ...attached]);
}

/** The roles with any permission on `resourceId`, CDK's own provider (the default security group's) aside. */
export function rolesReaching(template: Template, resourceId: string): string[] {
  return Object.keys(template.findResources('AWS::IAM::Role'))
    .filter((role) => !role.startsWith('CustomVpcRestrictDefaultSG'))
    .filter((role) =>
      rolePermissions(template, role).some((p) => p.resources.some((r) => r.includes(resourceId))),
    );
}

export interface ContainerDefinition {
  Environment: Array<{ Name: string; Value: unknown }>;
  Secrets?: unknown[];
}

/** The agent's container: the one container of the stack's one task definition. */
export function agentContainer(template: Template): ContainerDefinition {
  const [definition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  const [container] = (definition?.Properties.ContainerDefinitions ?? []) as ContainerDefinition[];
  if (!container) throw new Error('no agent container in the template');
  return container;
}

export function sortPermissions(permissions: Permission[]): Permission[] {
  return [...permissions].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Every policy document in the template (IAM policies, inline role policies, resource policies). */
export function allPolicyDocuments(template: Template): PolicyDocument[] {
  const documents: PolicyDocument[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (
        Array.isArray(record.Statement) &&
        record.Statement.every((s) => s && typeof s === 'object' && 'Effect' in s)
      ) {
        documents.push(record as unknown as PolicyDocument);
      }
      Object.values(record).forEach(visit);
    }
  };
  visit(template.toJSON().Resources);
  return documents;
}
