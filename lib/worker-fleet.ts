import { Annotations, Duration, Size, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { heartbeatTimeoutForDrain } from '../core/lifecycle-limits';
import { PREDICTIVE_SCHEDULING_BUFFER_SECONDS } from '../core/contract/names';
import { BootSteps, bootPreamble, bootStep } from './boot-steps';
import { Acknowledgement, IWorkerFleet } from './worker-fleet-base';
import { Architecture, architectureOf } from './instance-architecture';
import { DRAIN_HOOK_NAME, TAG_FLEET, workerMetricNamespaces } from './names';
import { DEFAULT_PREDICTIVE_SCALING, FLEET_DEFAULTS, MAX_FLEET_SIZE, PREDICTIVE_SCALING_MODES } from './config/defaults';
import type { PredictiveScalingMode } from './config/input';
import { PATTERNS } from './config/problems';
import { MAX_DRAIN_TIMEOUT_SECONDS, MIN_DRAIN_TIMEOUT_SECONDS } from '../core/lifecycle-limits';
import { isWhole, requireProp } from './props-validation';

// The values live in config (FLEET_DEFAULTS, plain numbers), which applies the same defaults to environment files.
/** Default target for average CPU across the group's InService instances. */
export const DEFAULT_TARGET_CPU_PERCENT = FLEET_DEFAULTS.targetCpuPercent;
/** Default time a draining worker may keep running queries before it is forced. */
export const DEFAULT_DRAIN_TIMEOUT = Duration.minutes(FLEET_DEFAULTS.drainTimeoutMinutes);
/** Default warmup before a new instance counts in the CPU metric. */
export const DEFAULT_INSTANCE_WARMUP = Duration.minutes(FLEET_DEFAULTS.instanceWarmupMinutes);
/** Default root volume size. */
export const DEFAULT_ROOT_VOLUME_SIZE = Size.gibibytes(FLEET_DEFAULTS.rootVolumeGiB);

/** Spot share of a mixed-instances fleet. */
export interface FleetSpotOptions {
  /** On-demand instances before any Spot is used. */
  readonly onDemandBaseCapacity: number;
  /** Percent of capacity above the base that stays on-demand. */
  readonly onDemandPercentageAboveBase: number;
}

/** Properties of a WorkerFleet. */
export interface WorkerFleetProps {
  /** Short fleet name (`etl`), used in tags and the hook's notification metadata. */
  readonly fleetName: string;
  /** VPC the workers run in. */
  readonly vpc: ec2.IVpc;
  /** The environment's agent namespace (names.agentNamespace): each worker may publish to its own namespace under it, and to it. */
  readonly metricsNamespace: string;
  /** Subnets for the group. @default the VPC's private subnets with egress */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Instance types in order of preference; more than one, or Spot, gives a mixed-instances group. */
  readonly instanceTypes: readonly ec2.InstanceType[];
  /** Minimum group size. */
  readonly minCapacity: number;
  /** Maximum group size. */
  readonly maxCapacity: number;
  /** Desired size written into the template. @default unset: Auto Scaling keeps the current size across deploys */
  readonly desiredCapacity?: number;
  /** Average CPU percent target tracking holds the group at. @default DEFAULT_TARGET_CPU_PERCENT */
  readonly targetCpuPercent?: number;
  /** Default instance warmup of the group. @default DEFAULT_INSTANCE_WARMUP */
  readonly instanceWarmup?: Duration;
  /** How long a draining instance may wait before the controller forces it. @default DEFAULT_DRAIN_TIMEOUT */
  readonly drainTimeout?: Duration;
  /** Root gp3 volume size. @default DEFAULT_ROOT_VOLUME_SIZE */
  readonly rootVolumeSize?: Size;
  /** Spot share; when set, Capacity Rebalancing is on so replacements start before the reclaim. @default on-demand only */
  readonly spot?: FleetSpotOptions;
  /**
   * A predictive scaling policy on average CPU at `targetCpuPercent` beside target tracking: `forecast-only`
   * shows its forecast and changes nothing; `forecast-and-scale` raises capacity to each hour's forecast and
   * never scales in; `off`, none. @default DEFAULT_PREDICTIVE_SCALING ('forecast-only')
   */
  readonly predictiveScaling?: PredictiveScalingMode;
}

/**
 * One fleet of workers: a launch template (AL2023, IMDSv2, encrypted gp3, no public IP) and an Auto Scaling
 * group carrying our termination lifecycle hook inline, with target tracking on average CPU.
 */
export class WorkerFleet extends Construct implements BootSteps, IWorkerFleet {
  readonly fleetName: string;
  /** The group. */
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  /** The instance role: SSM, the CodeDeploy agent, and PutMetricData in our namespace. */
  readonly role: iam.Role;
  /** The workers' security group: no ingress; add rules for the worker's own ports. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The drain deadline the controller enforces for this fleet. */
  readonly drainTimeout: Duration;
  /** The hook's heartbeat timeout, derived from the drain timeout. */
  readonly heartbeatTimeout: Duration;
  /** The launch template shared by every instance type override. */
  readonly launchTemplate: ec2.LaunchTemplate;
  /** Of every instance type: picks the arm64 or x86_64 Amazon Linux 2023 image. */
  readonly architecture: Architecture;

  constructor(scope: Construct, id: string, props: WorkerFleetProps) {
    super(scope, id);
    validateFleetProps(this, props);
    this.fleetName = props.fleetName;
    // One launch template and one image: Graviton types get the arm64 Amazon Linux 2023 image, and a mix
    // would launch some instances on an image their processor cannot run.
    const architectures = new Set(props.instanceTypes.map((t) => architectureOf(t.toString())));
    requireProp(this, architectures.size <= 1, 'instanceTypes', props.instanceTypes.map(String), 'must all be arm64 (Graviton) or all x86_64: one fleet has one image');
    const [architecture] = architectures;
    this.architecture = architecture;
    // The group spans the zones of its subnets. Control Tower's CT.AUTOSCALING.PR.1 only reads an explicit
    // AvailabilityZones list, which would repeat the subnets (and trips cfn-lint W3010), so the spread is
    // enforced here instead: at least two distinct zones, or no synth.
    const subnetSelection = props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    const zones = [...new Set(props.vpc.selectSubnets(subnetSelection).availabilityZones)];
    requireProp(this, zones.length >= 2, 'vpcSubnets', zones, 'must span at least 2 Availability Zones (the zones of the subnets it selects are shown)');
    const targetCpuPercent = props.targetCpuPercent ?? DEFAULT_TARGET_CPU_PERCENT;
    this.drainTimeout = props.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT;
    this.heartbeatTimeout = Duration.seconds(heartbeatTimeoutForDrain(this.drainTimeout.toSeconds()));

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `graceful-autoscaler ${props.fleetName} workers`,
      allowAllOutbound: true,
    });

    this.role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `graceful-autoscaler ${props.fleetName} worker instances`,
    });
    // What the SSM agent needs for Run Command (the ssm stop mode) and Session Manager (in place of SSH),
    // in place of AmazonSSMManagedInstanceCore, which also grants ssm:GetParameter(s) on every parameter
    // in the account. Registration, command delivery and session channels (Systems Manager user guide,
    // "Create a custom IAM role... for a Systems Manager instance profile"); none of these actions takes
    // a resource narrower than "*" for the instance's own calls.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'ssm:UpdateInstanceInformation',
          'ssm:ListInstanceAssociations',
          'ssm:UpdateInstanceAssociationStatus',
          'ssm:DescribeInstanceProperties',
          'ssmmessages:CreateControlChannel',
          'ssmmessages:CreateDataChannel',
          'ssmmessages:OpenControlChannel',
          'ssmmessages:OpenDataChannel',
          'ec2messages:AcknowledgeMessage',
          'ec2messages:DeleteMessage',
          'ec2messages:FailMessage',
          'ec2messages:GetEndpoint',
          'ec2messages:GetMessages',
          'ec2messages:SendReply',
        ],
        resources: ['*'],
      }),
    );
    // The agent publishes RunningTasks and pressure; PutMetricData has no resource-level permissions, so the
    // namespace condition is the only scope IAM offers (CloudWatch IAM reference, "cloudwatch:namespace"):
    // each instance may write its own namespace (${ec2:SourceInstanceARN}, resolved by IAM) and the shared
    // one the boot steps report to, never another instance's (names.workerMetricNamespaces).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': workerMetricNamespaces(props.metricsNamespace) } },
      }),
    );

    const userData = ec2.UserData.forLinux();
    userData.addCommands(...bootPreamble({ namespace: props.metricsNamespace, fleetName: props.fleetName, region: Stack.of(this).region }));
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      // Resolved at deploy time through the public SSM parameter: no context lookup at synth.
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: architecture === 'arm64' ? ec2.AmazonLinuxCpuType.ARM_64 : ec2.AmazonLinuxCpuType.X86_64 }),
      // The first type; a mixed-instances group overrides it per type.
      instanceType: props.instanceTypes[0],
      role: this.role,
      securityGroup: this.securityGroup,
      userData,
      requireImdsv2: true,
      // One hop: processes on the host only, not containers behind a bridge.
      httpPutResponseHopLimit: 1,
      // The agent reads its group name from instance tags in IMDS.
      instanceMetadataTags: true,
      associatePublicIpAddress: false,
      // Target tracking works on 1-minute CPU datapoints; basic monitoring gives 5-minute ones
      // (Auto Scaling user guide, "Target tracking scaling policies": enable detailed monitoring).
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs((props.rootVolumeSize ?? DEFAULT_ROOT_VOLUME_SIZE).toGibibytes(), {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    const mixed = props.instanceTypes.length > 1 || props.spot !== undefined;
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: subnetSelection,
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      desiredCapacity: props.desiredCapacity,
      defaultInstanceWarmup: props.instanceWarmup ?? DEFAULT_INSTANCE_WARMUP,
      groupMetrics: [autoscaling.GroupMetrics.all()],
      capacityRebalance: props.spot !== undefined,
      ...(mixed
        ? {
            mixedInstancesPolicy: {
              launchTemplate: this.launchTemplate,
              launchTemplateOverrides: props.instanceTypes.map((instanceType) => ({ instanceType })),
              instancesDistribution: {
                onDemandBaseCapacity: props.spot?.onDemandBaseCapacity ?? 0,
                onDemandPercentageAboveBaseCapacity: props.spot?.onDemandPercentageAboveBase ?? 100,
                onDemandAllocationStrategy: autoscaling.OnDemandAllocationStrategy.PRIORITIZED,
                spotAllocationStrategy: autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
              },
            },
          }
        : { launchTemplate: this.launchTemplate }),
    });
    Tags.of(this.autoScalingGroup).add(TAG_FLEET, props.fleetName, { applyToLaunchedInstances: true });
    const cfnGroup = this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;

    // Its zones were checked with the props (at least two).
    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'cdk-validator-cfnguard::autoscaling_multiple_az_check',
      reason: 'The group spans the zones of its VPCZoneIdentifier subnets; WorkerFleet refuses subnets in fewer than two zones at synth.',
    });

    // Declared inline (LifecycleHookSpecificationList) so the hook exists before the first instance
    // launches; a separate AWS::AutoScaling::LifecycleHook misses it (aws-cdk issue 16356).
    cfnGroup.lifecycleHookSpecificationList = [
      {
        lifecycleHookName: DRAIN_HOOK_NAME,
        lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
        // If the controller is gone, the instance still terminates rather than waiting forever.
        defaultResult: 'CONTINUE',
        heartbeatTimeout: this.heartbeatTimeout.toSeconds(),
        notificationMetadata: Stack.of(this).toJsonString({
          fleet: props.fleetName,
          drainTimeoutSeconds: this.drainTimeout.toSeconds(),
        }),
      },
    ];

    // Warmup comes from the group's DefaultInstanceWarmup, which AWS recommends over a per-policy value.
    this.autoScalingGroup.scaleOnCpuUtilization('CpuTargetTracking', { targetUtilizationPercent: targetCpuPercent });
    const predictive = props.predictiveScaling ?? DEFAULT_PREDICTIVE_SCALING;
    if (predictive !== 'off') {
      // No L2 for it in aws-autoscaling. The CPU pair: load ASGTotalCPUUtilization, scaling metric
      // ASGAverageCPUUtilization, at the same target as target tracking (API PredictiveScalingConfiguration).
      // The group keeps the larger of the forecast and the dynamic policies' capacity, and predictive
      // scaling never scales in, so our drain still decides every removal.
      new autoscaling.CfnScalingPolicy(this, 'CpuPredictiveScaling', {
        autoScalingGroupName: this.autoScalingGroup.autoScalingGroupName,
        policyType: 'PredictiveScaling',
        predictiveScalingConfiguration: {
          metricSpecifications: [{ targetValue: targetCpuPercent, predefinedMetricPairSpecification: { predefinedMetricType: 'ASGCPUUtilization' } }],
          mode: predictive === 'forecast-and-scale' ? 'ForecastAndScale' : 'ForecastOnly',
          schedulingBufferTime: PREDICTIVE_SCHEDULING_BUFFER_SECONDS,
          maxCapacityBreachBehavior: 'HonorMaxCapacity',
        },
      });
    }

    if (props.spot !== undefined && this.drainTimeout.toSeconds() > 120) {
      Annotations.of(this).addWarningV2(
        'graceful-autoscaler:spot-drain',
        `Fleet ${props.fleetName}: Spot instances are reclaimed 2 minutes after the interruption notice whatever the drain timeout (${this.drainTimeout.toHumanString()}); Capacity Rebalancing is on to start replacements early.`,
      );
    }
    Validations.of(this.autoScalingGroup).acknowledge({
      id: 'AwsSolutions-AS3',
      reason: 'Launch and terminate failures reach the alarm topic through EventBridge rules (FleetStack); ASG notification configurations would need the Auto Scaling service-linked role in the CMK policy before that role exists in a fresh account.',
    });
    if (mixed) {
      Validations.of(this.autoScalingGroup).acknowledge({
        id: 'AwsSolutions-EC26',
        reason: 'cdk-nag cannot follow MixedInstancesPolicy to the launch template and errors; the template\'s only block device is an encrypted gp3 root volume (asserted in test/worker-fleet.test.ts).',
      });
    }
    if (props.instanceTypes.length === 1) {
      Annotations.of(this).addWarningV2(
        'graceful-autoscaler:single-instance-type',
        `Fleet ${props.fleetName}: one instance type (${props.instanceTypes[0].toString()}); a capacity shortage of that type stops scale-out. List alternatives of the same shape in config.`,
      );
      Validations.of(this.autoScalingGroup).acknowledge({
        id: 'cdk-validator-cfnguard::autoscaling_mixed_instances_policy_multiple_instance_types_check',
        reason: `The environment config lists a single instance type for fleet ${props.fleetName} on purpose; synth warns about the capacity risk.`,
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:PutMetricData has no resource-level permissions (limited by cloudwatch:namespace to the calling instance\'s own namespace and this environment\'s shared report namespace); the SSM agent\'s registration, command and session-channel actions have none for the instance\'s own calls.',
    });
  }

  addToWorkerPolicy(statement: iam.PolicyStatement, acknowledgements: readonly Acknowledgement[] = []): void {
    this.role.addToPolicy(statement);
    if (acknowledgements.length > 0) Validations.of(this.role).acknowledge(...acknowledgements);
  }

  /**
   * Adds an install to the instances' boot, in call order, independent of the others: retried, and
   * reported as InstallFailures{Fleet, Component} when it still fails (lib/boot-steps.ts).
   */
  addBootStep(component: string, commands: readonly string[]): void {
    this.launchTemplate.userData!.addCommands(...bootStep(component, commands));
  }
}

/**
 * The props rules, checked before any resource: the fleet name and namespace are written into root's user
 * data (quoted shell words and JSON), so only the characters config allows reach it; sizes and durations
 * within what Auto Scaling and the lifecycle hook accept.
 */
function validateFleetProps(scope: Construct, props: WorkerFleetProps): void {
  requireProp(scope, typeof props.fleetName === 'string' && PATTERNS.fleetName.test(props.fleetName), 'fleetName', props.fleetName, 'must be lower-case letters, digits and dashes, starting with a letter, at most 20 characters (it is written into user data run as root)');
  requireProp(scope, typeof props.metricsNamespace === 'string' && /^[A-Za-z0-9._/#:-]{1,200}$/.test(props.metricsNamespace), 'metricsNamespace', props.metricsNamespace, 'must be a CloudWatch namespace of letters, digits and ._/#:- (names.agentNamespace); it is written into user data run as root');
  requireProp(scope, props.instanceTypes.length > 0, 'instanceTypes', [], 'must list at least one instance type');
  requireProp(scope, isWhole(props.minCapacity, 0, MAX_FLEET_SIZE), 'minCapacity', props.minCapacity, `must be a whole number from 0 to ${MAX_FLEET_SIZE}`);
  requireProp(scope, isWhole(props.maxCapacity, 1, MAX_FLEET_SIZE), 'maxCapacity', props.maxCapacity, `must be a whole number from 1 to ${MAX_FLEET_SIZE}`);
  requireProp(scope, props.minCapacity <= props.maxCapacity, 'minCapacity', props.minCapacity, `must be <= maxCapacity (${props.maxCapacity})`);
  if (props.desiredCapacity !== undefined) {
    requireProp(scope, isWhole(props.desiredCapacity, props.minCapacity, props.maxCapacity), 'desiredCapacity', props.desiredCapacity, `must be a whole number within [minCapacity, maxCapacity] = [${props.minCapacity}, ${props.maxCapacity}]`);
  }
  const cpu = props.targetCpuPercent ?? DEFAULT_TARGET_CPU_PERCENT;
  requireProp(scope, typeof cpu === 'number' && cpu > 0 && cpu <= 100, 'targetCpuPercent', cpu, 'must be a number in (0, 100]');
  const predictive = props.predictiveScaling ?? DEFAULT_PREDICTIVE_SCALING;
  requireProp(scope, PREDICTIVE_SCALING_MODES.includes(predictive), 'predictiveScaling', predictive, `must be one of ${PREDICTIVE_SCALING_MODES.join(', ')}`);
  const drain = (props.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT).toSeconds();
  requireProp(scope, drain >= MIN_DRAIN_TIMEOUT_SECONDS && drain <= MAX_DRAIN_TIMEOUT_SECONDS, 'drainTimeout', `${drain}s`, `must be from ${MIN_DRAIN_TIMEOUT_SECONDS} s to ${MAX_DRAIN_TIMEOUT_SECONDS} s: the 48 h lifecycle-hook limit less 2 minutes`);
  if (props.spot !== undefined) {
    requireProp(scope, isWhole(props.spot.onDemandBaseCapacity, 0, props.maxCapacity), 'spot.onDemandBaseCapacity', props.spot.onDemandBaseCapacity, `must be a whole number from 0 to maxCapacity (${props.maxCapacity})`);
    requireProp(scope, isWhole(props.spot.onDemandPercentageAboveBase, 0, 100), 'spot.onDemandPercentageAboveBase', props.spot.onDemandPercentageAboveBase, 'must be a whole number from 0 to 100');
  }
}
