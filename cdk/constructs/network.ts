/**
 * Where the agent task runs: a VPC (new, or an existing one by id) and the task's security group.
 *
 * - `public` (default): public subnets, the task gets a public IP and reaches the internet through
 *   the internet gateway. No NAT gateway, so nothing costs money while no task runs.
 * - `private`: private subnets behind NAT gateway(s) (about $33 a month each, plus traffic).
 *
 * Nothing may connect in. Out, the task may open HTTPS (443) connections only, to 0.0.0.0/0 by
 * default or to the configured CIDRs and prefix lists. A new VPC gets free gateway endpoints for
 * DynamoDB and S3 (ECR's image layers) and a flow log of rejected traffic, which shows what a
 * narrowed egress blocked.
 */
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  type IVpc,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  vpcId?: string;
  subnetType: 'public' | 'private';
  natGateways: number;
  maxAzs: number;
  egressCidrs: string[];
  egressPrefixLists: string[];
  logRetention: RetentionDays;
}

export class Network extends Construct {
  readonly vpc: IVpc;
  readonly securityGroup: SecurityGroup;
  readonly subnets: SubnetSelection;
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const isPublic = props.subnetType === 'public';
    this.assignPublicIp = isPublic;
    this.subnets = { subnetType: isPublic ? SubnetType.PUBLIC : SubnetType.PRIVATE_WITH_EGRESS };
    this.vpc = props.vpcId
      ? Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId })
      : this.newVpc(props, isPublic);

    this.securityGroup = new SecurityGroup(this, 'AgentSecurityGroup', {
      vpc: this.vpc,
      description: 'Nightshift agent tasks: no inbound; outbound HTTPS only',
      allowAllOutbound: false,
    });
    for (const cidr of props.egressCidrs) {
      const peer = cidr.includes(':') ? Peer.ipv6(cidr) : Peer.ipv4(cidr);
      this.securityGroup.addEgressRule(peer, Port.tcp(443), `HTTPS to ${cidr}`);
    }
    for (const prefixList of props.egressPrefixLists) {
      this.securityGroup.addEgressRule(Peer.prefixList(prefixList), Port.tcp(443), `HTTPS to ${prefixList}`);
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
      // Stripping the default security group's rules takes a custom-resource Lambda; nothing of
      // ours uses the default group, so it is left as AWS creates it.
      restrictDefaultSecurityGroup: false,
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
}
