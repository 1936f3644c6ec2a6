/** The environment's network: a VPC of our layout with rejected-traffic flow logs, or one imported by id. */
import { Annotations, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { EnvironmentConfig } from './config';
import { SUBNET_LAYOUT } from './network-plan';

/** Days VPC flow logs are kept. */
const FLOW_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

export function createNetwork(stack: Stack, config: EnvironmentConfig, key: kms.IKey): ec2.IVpc {
  const network = config.network;
  if (network.kind === 'existing') {
    // The imported subnets' route tables are never read here, so CDK's warning about them does not apply.
    Annotations.of(stack).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'The stack never reads route tables of imported subnets.');
    // Explicit ids: no Vpc.fromLookup, so synth needs no credentials or network.
    return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: network.vpcId,
      availabilityZones: network.privateSubnets.map((s) => s.availabilityZone),
      privateSubnetIds: network.privateSubnets.map((s) => s.subnetId),
    });
  }
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr(network.cidr),
    maxAzs: network.maxAzs,
    natGateways: network.natGateways,
    // Config checks at synth that the block holds this layout in every zone (lib/network-plan.ts).
    subnetConfiguration: SUBNET_LAYOUT.map(({ name, cidrMask }) =>
      name === 'public'
        ? { name, subnetType: ec2.SubnetType.PUBLIC, cidrMask, mapPublicIpOnLaunch: false }
        : { name, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask },
    ),
  });
  const flowLogGroup = new logs.LogGroup(stack, 'FlowLogGroup', {
    retention: FLOW_LOG_RETENTION,
    encryptionKey: key,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const restrictDefaultSg = stack.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
  if (restrictDefaultSg) {
    Validations.of(restrictDefaultSg).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
      reason: "CDK's provider that strips the default security group's rules runs only during deploys and calls only EC2 APIs; it reaches nothing inside the VPC.",
    });
  }
  vpc.addFlowLog('FlowLog', {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
    trafficType: ec2.FlowLogTrafficType.REJECT,
  });
  return vpc;
}
