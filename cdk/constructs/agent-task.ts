/**
 * Where the agent runs: an ECS cluster and the Fargate task definition of the agent container,
 * started one task per Nightshift task by the dispatch function (RunTask, TASK_ID as an override).
 *
 * Two roles, each with only what it needs:
 * - the task role (the agent program): read and update tasks in the table, invoke the token
 *   function (its installation tokens); nothing else: no App private key;
 * - the execution role (ECS itself, before the program starts): pull the image, write the log
 *   stream, read the one secret it injects, ANTHROPIC_API_KEY.
 */
import { Aws, Stack, Validations } from 'aws-cdk-lib';
import { type IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  Capability,
  Cluster,
  type ContainerDefinition,
  ContainerInsights,
  CpuArchitecture,
  FargateTaskDefinition,
  LinuxParameters,
  LogDrivers,
  OperatingSystemFamily,
  Secret as EcsSecret,
} from 'aws-cdk-lib/aws-ecs';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { agentImage } from '../agent-image.js';
import type { AppSecrets } from './app-secrets.js';
import type { NightshiftFunction } from './nightshift-function.js';
import { grantTaskAccess } from './task-access.js';
import type { TasksTable } from './tasks-table.js';

export const AGENT_CONTAINER_NAME = 'agent';

/**
 * The only writable places of the container, each a volume on the task's ephemeral storage (the
 * root filesystem is read-only, so neither the program nor a tool can change the image): the task
 * folders (the supervisor's repository, the tools' checkout and the tools' home, all under
 * NIGHTSHIFT_WORK_ROOT) and /tmp (the uid locks, Node's and the tools' temporary files).
 */
export const WRITABLE_VOLUMES = { workspace: '/workspace', tmp: '/tmp' } as const;

/**
 * Docker's default capabilities that the supervisor does NOT need. Fargate lets a task drop any
 * capability but add none (except SYS_PTRACE), so "drop ALL, add what we need" is not possible:
 * the set is expressed as what to drop. Kept: CHOWN (give the tools' fresh folder to the task's
 * uid), SETUID and SETGID (start the tools as that uid), KILL (end every process of that uid).
 * DAC_OVERRIDE and FOWNER are dropped: the tools delete their own files, and the supervisor never
 * needs to read or change a file it does not own.
 */
export const DROPPED_CAPABILITIES: Capability[] = [
  Capability.AUDIT_WRITE,
  Capability.DAC_OVERRIDE,
  Capability.FOWNER,
  Capability.FSETID,
  Capability.MKNOD,
  Capability.NET_BIND_SERVICE,
  Capability.NET_RAW,
  Capability.SETFCAP,
  Capability.SETPCAP,
  Capability.SYS_CHROOT,
];

export interface AgentTaskProps {
  vpc: IVpc;
  tasks: TasksTable;
  secrets: AppSecrets;
  /** Where the agent gets installation tokens (cdk/constructs/token-function.ts). */
  tokenFunction: NightshiftFunction;
  githubApiUrl: string;
  logLevel: string;
  cpu: number;
  memoryMiB: number;
  ephemeralStorageGiB?: number;
  architecture: 'x86_64' | 'arm64';
  image?: string;
  containerInsights: boolean;
  logRetention: RetentionDays;
}

export class AgentTask extends Construct {
  readonly cluster: Cluster;
  readonly taskDefinition: FargateTaskDefinition;
  readonly container: ContainerDefinition;
  readonly taskRole: Role;
  readonly executionRole: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AgentTaskProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.cluster = new Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: props.containerInsights ? ContainerInsights.ENABLED : ContainerInsights.DISABLED,
    });
    if (!props.containerInsights) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-ECS4',
        reason:
          'Agent tasks are short one-off runs, not services: their logs, their STOPPED events (task-events function) and ' +
          'the failed-task alarm cover them. Container Insights bills custom metrics per task; turn it on with ' +
          'nightshift:containerInsights=true.',
      });
    }

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });

    this.taskRole = new Role(this, 'TaskRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com', {
        // Only ECS tasks of this account may assume it (the confused-deputy guard ECS documents).
        conditions: {
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'ecs', resource: '*' }) },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
      description: 'Nightshift agent task: the agent program',
    });
    grantTaskAccess(this.taskRole, props.tasks);
    props.tokenFunction.grantInvokeTo(this.taskRole);

    this.executionRole = new Role(this, 'ExecutionRole', {
      // aws:SourceAccount is added to every service trust by cdk/constructs/governance.ts.
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Nightshift agent task: ECS pulls the image, writes logs, injects the secrets',
    });

    this.taskDefinition = new FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      ...(props.ephemeralStorageGiB !== undefined ? { ephemeralStorageGiB: props.ephemeralStorageGiB } : {}),
      runtimePlatform: {
        operatingSystemFamily: OperatingSystemFamily.LINUX,
        cpuArchitecture: props.architecture === 'arm64' ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64,
      },
      taskRole: this.taskRole,
      executionRole: this.executionRole,
    });

    const linuxParameters = new LinuxParameters(this, 'LinuxParameters', {
      // An init process (tini) as PID 1 reaps the zombies that agents' shell commands leave behind.
      initProcessEnabled: true,
    });
    linuxParameters.dropCapabilities(...DROPPED_CAPABILITIES);

    this.container = this.taskDefinition.addContainer('Agent', {
      containerName: AGENT_CONTAINER_NAME,
      image: agentImage(this, {
        architecture: props.architecture,
        ...(props.image ? { image: props.image } : {}),
      }),
      essential: true,
      readonlyRootFilesystem: true,
      linuxParameters,
      logging: LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'agent' }),
      environment: {
        TABLE_NAME: props.tasks.table.tableName,
        GITHUB_API_URL: props.githubApiUrl,
        NIGHTSHIFT_TOKEN_FUNCTION: props.tokenFunction.functionName,
        LOG_LEVEL: props.logLevel,
        NIGHTSHIFT_WORK_ROOT: WRITABLE_VOLUMES.workspace,
      },
      secrets: {
        ANTHROPIC_API_KEY: EcsSecret.fromSecretsManager(props.secrets.anthropicApiKey),
      },
    });

    for (const [name, containerPath] of Object.entries(WRITABLE_VOLUMES)) {
      this.taskDefinition.addVolume({ name });
      this.container.addMountPoints({ sourceVolume: name, containerPath, readOnly: false });
    }

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds configuration only (table name, API URL, token function name, log level). ' +
        'The one secret, the Anthropic key, reaches the container through `secrets` (Secrets Manager), ' +
        'never as a plain variable; the per-task token nonce is a RunTask override, not in the task definition.',
    });
    Validations.of(this.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken has no resource-level permissions (AWS requires "*"); pulling is limited to the ' +
        "image's repository by the statement CDK writes next to it.",
    });
  }

  /** `arn:…:task-definition/<family>:*`, every revision of this family (a deploy makes a new one). */
  familyArn(): string {
    return Stack.of(this).formatArn({
      service: 'ecs',
      resource: 'task-definition',
      resourceName: `${this.taskDefinition.family}:*`,
    });
  }

  /** `arn:…:task/<cluster>/*`, the tasks this cluster runs. */
  clusterTasksArn(): string {
    return Stack.of(this).formatArn({
      service: 'ecs',
      resource: 'task',
      resourceName: `${this.cluster.clusterName}/*`,
    });
  }
}
