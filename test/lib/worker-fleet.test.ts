import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { WorkerFleet, WorkerFleetProps } from '../../lib/worker-fleet';
import { makeApp } from '../helpers';

function fleetIn(props: Partial<WorkerFleetProps> = {}, vpcFor?: (stack: Stack) => ec2.IVpc) {
  const stack = new Stack(makeApp(), 'Test');
  const vpc = vpcFor ? vpcFor(stack) : new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const fleet = new WorkerFleet(stack, 'Fleet', {
    fleetName: 'etl',
    vpc,
    metricsNamespace: 'GracefulAutoscaler/test',
    instanceTypes: [new ec2.InstanceType('m7i.large')],
    minCapacity: 1,
    maxCapacity: 3,
    ...props,
  });
  return { stack, fleet };
}

describe('WorkerFleet defaults', () => {
  const { stack, fleet } = fleetIn();
  const template = Template.fromStack(stack);

  test('one instance type and no Spot: a plain launch template, no mixed-instances policy', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      LaunchTemplate: Match.objectLike({ LaunchTemplateId: Match.anyValue() }),
      MixedInstancesPolicy: Match.absent(),
      CapacityRebalance: false,
    });
  });

  test('defaults: 40% CPU target, 10 minute drain (12 minute heartbeat), 5 minute warmup', () => {
    expect(fleet.drainTimeout.toSeconds()).toBe(600);
    expect(fleet.heartbeatTimeout.toSeconds()).toBe(720);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      DefaultInstanceWarmup: 300,
      LifecycleHookSpecificationList: [Match.objectLike({ HeartbeatTimeout: 720 })],
    });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      TargetTrackingConfiguration: Match.objectLike({ TargetValue: 40 }),
    });
  });

  test('a single instance type is a warning, not a silent risk', () => {
    Annotations.fromStack(stack).hasWarning('/Test/Fleet', Match.stringLikeRegexp('one instance type \\(m7i.large\\)'));
  });
});

test('Spot turns on Capacity Rebalancing and warns when the drain outlasts the 2-minute notice', () => {
  const { stack } = fleetIn({ spot: { onDemandBaseCapacity: 1, onDemandPercentageAboveBase: 25 }, drainTimeout: Duration.minutes(10) });
  Template.fromStack(stack).hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
    CapacityRebalance: true,
    MixedInstancesPolicy: {
      InstancesDistribution: Match.objectLike({ OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 25 }),
      LaunchTemplate: Match.objectLike({ Overrides: [{ InstanceType: 'm7i.large' }] }),
    },
  });
  Annotations.fromStack(stack).hasWarning('/Test/Fleet', Match.stringLikeRegexp('Spot instances are reclaimed 2 minutes'));
});

test('a 3 h drain gets the 2 h maximum heartbeat timeout; the controller heartbeats past it', () => {
  const { fleet } = fleetIn({ drainTimeout: Duration.hours(3) });
  expect(fleet.heartbeatTimeout.toSeconds()).toBe(7200);
});

test('subnets in a single Availability Zone are refused', () => {
  expect(() =>
    fleetIn({ vpcSubnets: { subnets: [] } }, (stack) =>
      ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-1a'],
        privateSubnetIds: ['subnet-0123456789abcdef0'],
      }),
    ),
  ).toThrow(/^Test\/Fleet: vpcSubnets \(\[\]\) must span at least 2 Availability Zones/);
});

test('an empty instance type list is refused', () => {
  expect(() => fleetIn({ instanceTypes: [] })).toThrow(/^Test\/Fleet: instanceTypes \(\[\]\) must list at least one instance type/);
});

describe('the image follows the instance architecture', () => {
  /** The SSM parameter the launch template resolves its image from (Parameters of the template). */
  function imageParameter(stack: Stack): string {
    const parameters = Template.fromStack(stack).toJSON().Parameters as Record<string, { Default?: string }>;
    const images = Object.values(parameters).map((p) => p.Default ?? '').filter((d) => d.includes('/aws/service/ami-amazon-linux-latest/'));
    expect(images).toHaveLength(1);
    return images[0];
  }

  test('Graviton types launch the arm64 Amazon Linux 2023 image', () => {
    const { stack, fleet } = fleetIn({ instanceTypes: [new ec2.InstanceType('m7g.large'), new ec2.InstanceType('m6g.large')] });
    expect(fleet.architecture).toBe('arm64');
    expect(imageParameter(stack)).toMatch(/al2023-ami-kernel-.*-arm64$/);
  });

  test('Intel and AMD types launch the x86_64 image', () => {
    const { stack, fleet } = fleetIn({ instanceTypes: [new ec2.InstanceType('m7i.large'), new ec2.InstanceType('m7a.large')] });
    expect(fleet.architecture).toBe('x86_64');
    expect(imageParameter(stack)).toMatch(/al2023-ami-kernel-.*-x86_64$/);
  });

  test('a mix of arm64 and x86_64 types is refused: one launch template has one image', () => {
    expect(() => fleetIn({ instanceTypes: [new ec2.InstanceType('m7g.large'), new ec2.InstanceType('m7i.large')] })).toThrow(
      /^Test\/Fleet: instanceTypes \(\["m7g\.large","m7i\.large"\]\) must all be arm64 \(Graviton\) or all x86_64/,
    );
  });
});
