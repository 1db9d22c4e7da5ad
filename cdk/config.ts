/**
 * The deployment's settings, read from CDK context (`cdk.json`, or `-c nightshift:<key>=<value>` on
 * the command line) and validated once: a bad value stops synth with a message naming the key.
 * Context given with `-c` arrives as a string, so numbers, booleans and lists are coerced; a list
 * is a JSON array in `cdk.json` or a comma-separated string on the command line.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { DEFAULT_TABLE_NAME } from '../core/store/table.js';

/** Every key lives under this prefix in the context: `nightshift:appId`, … */
export const CONTEXT_PREFIX = 'nightshift:';

const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'),
);

/** Fargate's valid CPU units and, for each, the memory (MiB) it accepts. */
const FARGATE_MEMORY: Record<number, (memory: number) => boolean> = {
  256: (m) => [512, 1024, 2048].includes(m),
  512: (m) => m >= 1024 && m <= 4096 && m % 1024 === 0,
  1024: (m) => m >= 2048 && m <= 8192 && m % 1024 === 0,
  2048: (m) => m >= 4096 && m <= 16384 && m % 1024 === 0,
  4096: (m) => m >= 8192 && m <= 30720 && m % 1024 === 0,
  8192: (m) => m >= 16384 && m <= 61440 && m % 4096 === 0,
  16384: (m) => m >= 32768 && m <= 122880 && m % 8192 === 0,
};

const text = z.string().trim().min(1);
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
  z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]),
);
const list = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string().trim().min(1)),
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A JSON object in `cdk.json`, or `key=value,key=value` on the command line. */
const tagMap = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? Object.fromEntries(
          v
            .split(',')
            .filter((pair) => pair.trim())
            .map((pair) => {
              const at = pair.indexOf('=');
              return at < 0 ? [pair.trim(), ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
            }),
        )
      : v,
  z.record(
    z
      .string()
      .regex(
        /^(?!aws:)[\p{L}\p{N}\s_.:/=+@-]{1,128}$/u,
        'a tag key (1–128 characters, not starting with aws:)',
      ),
    z.string().regex(/^[\p{L}\p{N}\s_.:/=+@-]{0,256}$/u, 'a tag value (up to 256 characters)'),
  ),
);

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const IPV6_CIDR = /^[0-9a-f:]+\/\d{1,3}$/i;

/** Each key, its type and its default. (Unset, `""` and null all mean "the default".) */
const ConfigShape = z.object({
  /** The CloudFormation stack's name; also names the custom metric namespace. */
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
    .default('Nightshift'),
  /** The GitHub App's id (a number, on the App's settings page). */
  appId: z.coerce.string().regex(/^\d+$/, 'the App id is a number').optional(),
  githubApiUrl: z.string().url().default('https://api.github.com'),
  /** The issue label that hands an issue to the agent. */
  label: text.default('agent'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  tableName: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/)
    .default(DEFAULT_TABLE_NAME),
  logRetentionDays: int(1, 9999)
    .refine((d) => RETENTION_DAYS.has(d), {
      message: `one of CloudWatch's retention periods: ${[...RETENTION_DAYS].sort((a, b) => a - b).join(', ')}`,
    })
    .default(30),

  /**
   * An existing VPC to use; unset creates one. Without `subnetIds` it is looked up (credentials at
   * the first synth); with them nothing is looked up.
   */
  vpcId: z
    .string()
    .regex(/^vpc-[0-9a-f]+$/, 'a VPC id (vpc-…)')
    .optional(),
  /** The existing VPC's subnets the agent tasks run in (with `vpcId`); unset picks by `subnetType`. */
  subnetIds: list.default([]),
  /** Security groups of the agent tasks in an existing VPC; unset creates one (no inbound, HTTPS out). */
  securityGroupIds: list.default([]),
  /**
   * Interface endpoints for ECR (api, dkr), CloudWatch Logs, Secrets Manager, STS and Lambda, and
   * gateway endpoints for S3 and DynamoDB, so a narrowed egress still lets Fargate pull the image,
   * read the secrets and write logs. Interface endpoints are billed per hour and per AZ.
   */
  vpcEndpoints: bool.default(false),
  /** `public`: tasks get a public IP in public subnets, no NAT. `private`: private subnets behind NAT. */
  subnetType: z.enum(['public', 'private']).default('public'),
  /** NAT gateways of a new VPC when `subnetType` is `private` (one is enough unless you need AZ redundancy). */
  natGateways: int(1, 3).default(1),
  maxAzs: int(1, 3).default(2),
  /** Where the agent may connect (HTTPS only): IPv4/IPv6 CIDRs and managed prefix list ids. */
  egressCidrs: list.default(['0.0.0.0/0']),
  egressPrefixLists: list.default([]),

  agentCpu: int(256, 16384).default(2048),
  agentMemoryMiB: int(512, 122880).default(4096),
  /** Ephemeral storage of the agent task, 21–200 GiB; unset keeps Fargate's free 20 GiB. */
  agentStorageGiB: int(21, 200).optional(),
  agentArchitecture: z.enum(['x86_64', 'arm64']).default('x86_64'),
  /** A pre-built agent image (an ECR or public URI) instead of building agent-task/Dockerfile. */
  agentImage: text.optional(),
  containerInsights: bool.default(false),
  /** Days a setup cache entry lives in the bucket before S3 expires it (it is then rebuilt). */
  setupCacheDays: int(1, 365).default(14),
  /** The largest setup cache archive a task saves or restores, in MiB. */
  setupCacheMaxMiB: int(1, 4096).default(1024),
  /** Days a session transcript lives in its bucket before S3 expires it (the store's log: 90). */
  sessionArchiveDays: int(1, 3650).default(90),

  /**
   * Reserved concurrency of the webhook function; `none` (the default) leaves it unreserved, since
   * Lambda keeps 100 of the account's executions unreserved and a new account's limit may be 10.
   */
  webhookReservedConcurrency: z
    .union([z.literal('none'), z.literal(false), int(1, 1000)], {
      error: 'a number of concurrent executions (1–1000), or "none" to leave the function unreserved',
    })
    .default('none')
    .transform((v) => (typeof v === 'number' ? v : undefined)),
  /** How long a dispatch event may wait in Lambda's async queue (retries included), in minutes. */
  dispatchMaxEventAgeMinutes: int(1, 360).default(60),
  /** Agent tasks of one GitHub App installation running at once; more wait for a free slot. */
  maxConcurrentTasks: int(1, 1000).default(5),
  /**
   * Agent tasks of the whole deployment running at once (NIGHTSHIFT_MAX_DEPLOYMENT_TASKS); more
   * wait. Keep it under the account's Fargate vCPU quota divided by `agentCpu`'s vCPUs.
   */
  maxDeploymentTasks: int(1, 10000).default(20),
  /** The most minutes a task may run, whatever a repository's `limits.minutes` says. */
  maxTaskMinutes: int(5, 24 * 60).default(120),
  /** How often the sweeper runs, in minutes (an EventBridge schedule). */
  sweepIntervalMinutes: int(1, 60).default(5),

  /**
   * Each GitHub App installation's monthly budget in USD (NIGHTSHIFT_INSTALLATION_MONTHLY_USD):
   * once spent, its new tasks are refused until the month ends (UTC); an alarm fires at 80%.
   * Unset: no installation budget.
   */
  installationMonthlyUsd: z.coerce.number().positive().optional(),

  /** Where alarms notify: an e-mail address (a topic is created) or an existing SNS topic ARN. */
  alarmEmail: z.string().email().optional(),
  alarmTopicArn: z.string().startsWith('arn:').optional(),
  /** Failed agent tasks within an hour that raise the alarm. */
  failedTasksAlarmThreshold: int(1, 1000).default(3),

  /** Cost-allocation tags on every resource and every agent task (beside `nightshift:stack`). */
  tags: tagMap.default({ application: 'nightshift' }),
  /** A managed policy (name or ARN) set as the permissions boundary of every role the stack creates. */
  permissionsBoundary: text.optional(),
});

const ConfigSchema = ConfigShape.superRefine((c, ctx) => {
  if (!FARGATE_MEMORY[c.agentCpu]?.(c.agentMemoryMiB)) {
    ctx.addIssue({
      code: 'custom',
      path: ['agentMemoryMiB'],
      message: `${c.agentMemoryMiB} MiB is not a Fargate size for ${c.agentCpu} CPU units (see "Task CPU and memory" in the ECS docs)`,
    });
  }
  if (c.egressCidrs.length + c.egressPrefixLists.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['egressCidrs'],
      message:
        'the agent needs HTTPS egress to GitHub, Anthropic and AWS: give at least one CIDR or prefix list',
    });
  }
  c.egressCidrs.forEach((cidr, i) => {
    if (!IPV4_CIDR.test(cidr) && !IPV6_CIDR.test(cidr)) {
      ctx.addIssue({ code: 'custom', path: ['egressCidrs', i], message: `${cidr} is not a CIDR` });
    }
  });
  c.egressPrefixLists.forEach((id, i) => {
    if (!/^pl-[0-9a-f]+$/.test(id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['egressPrefixLists', i],
        message: `${id} is not a prefix list id (pl-…)`,
      });
    }
  });
  if ((c.subnetIds.length || c.securityGroupIds.length) && !c.vpcId) {
    ctx.addIssue({
      code: 'custom',
      path: [c.subnetIds.length ? 'subnetIds' : 'securityGroupIds'],
      message: 'subnets and security groups of your own need the VPC they belong to: set vpcId too',
    });
  }
  c.subnetIds.forEach((id, i) => {
    if (!/^subnet-[0-9a-f]+$/.test(id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['subnetIds', i],
        message: `${id} is not a subnet id (subnet-…)`,
      });
    }
  });
  c.securityGroupIds.forEach((id, i) => {
    if (!/^sg-[0-9a-f]+$/.test(id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityGroupIds', i],
        message: `${id} is not a security group id (sg-…)`,
      });
    }
  });
  if (c.alarmEmail && c.alarmTopicArn) {
    ctx.addIssue({
      code: 'custom',
      path: ['alarmEmail'],
      message: 'set alarmEmail or alarmTopicArn, not both',
    });
  }
});

export type NightshiftConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The keys `readConfig` understands, for error messages and the README. */
export const CONFIG_KEYS = Object.keys(ConfigShape.shape) as Array<keyof NightshiftConfig>;

/**
 * Read and validate the settings. `lookup` is `(key) => app.node.tryGetContext(key)`; `overrides`
 * (tests) win over the context.
 */
export function readConfig(
  lookup: (key: string) => unknown,
  overrides: Partial<Record<keyof NightshiftConfig, unknown>> = {},
): NightshiftConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = key in overrides ? overrides[key] : lookup(`${CONTEXT_PREFIX}${key}`);
    // Unset, empty (`""` in cdk.json) and null all mean: use the default.
    if (value !== undefined && value !== null && value !== '') raw[key] = value;
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `${CONTEXT_PREFIX}${i.path.join('.') || '(config)'}: ${i.message}`,
    );
    throw new ConfigError(
      `invalid Nightshift settings (cdk.json "context", or -c key=value):\n  ${lines.join('\n  ')}`,
    );
  }
  return parsed.data;
}
