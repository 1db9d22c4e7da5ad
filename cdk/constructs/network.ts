/**
 * Where the agent task runs: a VPC (new, or an existing one by id) and the task's security group.
 *
 * - `public` (default): public subnets, the task gets a public IP and reaches the internet through
 *   the internet gateway. No NAT gateway, so nothing costs money while no task runs.
 * - `private`: private subnets behind NAT gateway(s) (about $33 a month each, plus traffic).
 * - an existing VPC: looked up by id, or, with explicit subnets (and security groups), taken as
 *   given without a lookup, so synth needs no credentials.
 *
 * Nothing may connect in. Out, the task may open HTTPS (443) connections only, to 0.0.0.0/0 by
 * default or to the configured CIDRs and prefix lists. A new VPC gets free gateway endpoints for
 * DynamoDB and S3 (ECR's image layers), a flow log of rejected traffic, which shows what a narrowed
 * egress blocked, and a default security group with no rules. `vpcEndpoints` adds the interface
 * endpoints Fargate and the agent need before and while the program runs.
 */
import { Fn } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  type ISecurityGroup,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  Subnet,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  vpcId?: string;
  subnetIds?: string[];
  securityGroupIds?: string[];
  subnetType: 'public' | 'private';
  natGateways: number;
  maxAzs: number;
  egressCidrs: string[];
  egressPrefixLists: string[];
  vpcEndpoints?: boolean;
  logRetention: RetentionDays;
}

/** What Fargate (image, secrets, logs) and the agent program (token function, STS) call. */
const INTERFACE_ENDPOINTS = {
  EcrApi: InterfaceVpcEndpointAwsService.ECR,
  EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
  Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
  SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
  Sts: InterfaceVpcEndpointAwsService.STS,
  Lambda: InterfaceVpcEndpointAwsService.LAMBDA,
};

export class Network extends Construct {
  readonly vpc: IVpc;
  readonly securityGroups: ISecurityGroup[];
  readonly subnets: SubnetSelection;
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const isPublic = props.subnetType === 'public';
    this.assignPublicIp = isPublic;
    const ownSubnets = props.subnetIds ?? [];
    this.subnets = ownSubnets.length
      ? { subnets: ownSubnets.map((subnetId, i) => Subnet.fromSubnetId(this, `Subnet${i}`, subnetId)) }
      : { subnetType: isPublic ? SubnetType.PUBLIC : SubnetType.PRIVATE_WITH_EGRESS };
    this.vpc = !props.vpcId
      ? this.newVpc(props, isPublic)
      : ownSubnets.length
        ? Vpc.fromVpcAttributes(this, 'Vpc', { vpcId: props.vpcId, availabilityZones: Fn.getAzs() })
        : Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });

    const ownGroups = props.securityGroupIds ?? [];
    this.securityGroups = ownGroups.length
      ? ownGroups.map((groupId, i) => SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, groupId))
      : [this.agentSecurityGroup(props)];
    // Gateway endpoints need the subnets' route tables: a new VPC has its own already, and explicit
    // subnets come without theirs (cdk/README.md: add the two free endpoints to that VPC yourself).
    if (props.vpcEndpoints) this.addEndpoints(Boolean(props.vpcId) && ownSubnets.length === 0);
  }

  private agentSecurityGroup(props: NetworkProps): SecurityGroup {
    const group = new SecurityGroup(this, 'AgentSecurityGroup', {
      vpc: this.vpc,
      description: 'Nightshift agent tasks: no inbound; outbound HTTPS only',
      allowAllOutbound: false,
    });
    for (const cidr of props.egressCidrs) {
      const peer = cidr.includes(':') ? Peer.ipv6(cidr) : Peer.ipv4(cidr);
      group.addEgressRule(peer, Port.tcp(443), `HTTPS to ${cidr}`);
    }
    for (const prefixList of props.egressPrefixLists) {
      group.addEgressRule(Peer.prefixList(prefixList), Port.tcp(443), `HTTPS to ${prefixList}`);
    }
    return group;
  }

  /**
   * The endpoints get a group of their own that takes HTTPS from the agent's groups only; the
   * agent's group may reach it whatever the egress allow-list says (a rule is added to a group
   * this stack created; a group of yours must allow it itself).
   */
  private addEndpoints(addGateways: boolean): void {
    const endpointGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Nightshift VPC endpoints: HTTPS from the agent tasks only',
      allowAllOutbound: false,
    });
    for (const group of this.securityGroups) {
      endpointGroup.addIngressRule(
        Peer.securityGroupId(group.securityGroupId),
        Port.tcp(443),
        'HTTPS from the agent tasks',
      );
      if (group instanceof SecurityGroup) {
        group.addEgressRule(endpointGroup, Port.tcp(443), 'HTTPS to the VPC endpoints');
      }
    }
    for (const [name, service] of Object.entries(INTERFACE_ENDPOINTS)) {
      this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: this.subnets,
        securityGroups: [endpointGroup],
        privateDnsEnabled: true,
        open: false,
      });
    }
    if (addGateways) {
      this.vpc.addGatewayEndpoint('DynamoDb', {
        service: GatewayVpcEndpointAwsService.DYNAMODB,
        subnets: [this.subnets],
      });
      this.vpc.addGatewayEndpoint('S3', {
        service: GatewayVpcEndpointAwsService.S3,
        subnets: [this.subnets],
      });
    }
  }

  private newVpc(props: NetworkProps, isPublic: boolean): Vpc {
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: props.maxAzs,
      natGateways: isPublic ? 0 : props.natGateways,
      subnetConfiguration: isPublic
        ? [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }]
        : [
            { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
            { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
          ],
      // The default group allows all traffic between its members and out; nothing of ours uses
      // it, and a resource someone adds later should not land in an open group by accident.
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {
        DynamoDb: { service: GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: GatewayVpcEndpointAwsService.S3 },
      },
    });
    const flowLogs = new LogGroup(this, 'RejectedTrafficLogs', { retention: props.logRetention });
    vpc.addFlowLog('RejectedTraffic', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.REJECT,
    });
    return vpc;
  }

  subnetIds(): string[] {
    return this.vpc.selectSubnets(this.subnets).subnetIds;
  }

  securityGroupIds(): string[] {
    return this.securityGroups.map((group) => group.securityGroupId);
  }
}
