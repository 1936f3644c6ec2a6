/**
 * A CDK app of your own that adopts a Trino fleet you already run, from the packaged library
 * (docs/library.md walks through it). Two ways, one stack each:
 * - TrinoDrain: the constructs by hand, around an imported group, VPC and security group;
 * - GracefulAutoscaler-legacy: the whole per-environment stack from typed config with an existing group.
 * Both are held to the library's policy checks (cdk-nag AwsSolutions, cfn-guard Control Tower rules, our
 * invariants), which need the optional peers cdk-nag and @cdklabs/cdk-validator-cfnguard.
 * CI packs the library, installs it into a fresh folder with this app, type-checks it and synthesizes it,
 * with the aws-cdk-lib of our lockfile and with the newest one the peer range allows (scripts/test-package.ts).
 */
import { App, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { addPolicyChecks } from 'graceful-autoscaler/policy-checks';
import { DrainController, ExistingWorkerFleet, FleetDeployment, FleetStack, agentNamespace, resolveEnvironment } from 'graceful-autoscaler';

const app = new App();
// Any unacknowledged finding fails synth.
addPolicyChecks(app);
const env = { account: '123456789012', region: 'eu-west-1' };
// Your VPC, where the fleet runs: both stacks below use it.
const network = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  privateSubnets: [
    { subnetId: 'subnet-0a1b2c3d4e5f60711', availabilityZone: 'eu-west-1a' },
    { subnetId: 'subnet-0a1b2c3d4e5f60722', availabilityZone: 'eu-west-1b' },
  ],
};

// 1. The constructs by hand.
const stack = new Stack(app, 'TrinoDrain', { env });
const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: network.vpcId,
  availabilityZones: network.privateSubnets.map((s) => s.availabilityZone),
  privateSubnetIds: network.privateSubnets.map((s) => s.subnetId),
});
const group = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Group', 'trino-workers');
const workers = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Workers', 'sg-0abc12345def67890');
const fleet = new ExistingWorkerFleet(stack, 'Fleet', {
  fleetName: 'trino',
  autoScalingGroup: group,
  securityGroup: workers,
  metricsNamespace: agentNamespace('prod'),
  drainTimeout: Duration.minutes(30),
});
new FleetDeployment(stack, 'Deploy', { autoScalingGroup: group });

// The controller's queue, table and logs are encrypted with a key CloudWatch Logs and EventBridge may use.
const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
key.grantEncryptDecrypt(
  new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
    conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
  }),
);
key.grant(new iam.ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
// Grants on the key only for AWS resources, by AWS services (Control Tower CT.KMS.PR.3, which the checks run).
key.addToResourcePolicy(
  new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }),
);

// Trino stops and task counts over the workers' HTTP API: no agent needed on instances we did not launch.
const trino = { port: 8080, scheme: 'http' as const, user: 'graceful-autoscaler' };
new DrainController(stack, 'Drain', {
  environmentName: 'prod',
  fleets: [
    {
      name: fleet.fleetName,
      group: fleet.autoScalingGroup,
      drainTimeout: fleet.drainTimeout,
      heartbeatTimeout: fleet.heartbeatTimeout,
      shutdownGrace: Duration.minutes(2),
      securityGroup: fleet.securityGroup,
    },
  ],
  vpc,
  vpcSubnets: { subnets: vpc.privateSubnets },
  key,
  controller: { taskSource: { kind: 'trino', ...trino }, stopWorker: { kind: 'trino', ...trino }, idleReadings: 3 },
});

// 2. The whole stack from config, adopting the group by name.
new FleetStack(app, 'GracefulAutoscaler-legacy', {
  env,
  config: resolveEnvironment('legacy', {
    ...env,
    network: { kind: 'existing', ...network },
    fleets: [{ name: 'trino', existing: { groupName: 'trino-workers', agentInstalled: true }, drainTimeout: '30m' }],
  }),
});

app.synth();
