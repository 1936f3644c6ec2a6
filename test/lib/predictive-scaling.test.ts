/** Predictive scaling beside target tracking (issue 38, "scale-out ahead of load"): the policy, its modes, its config. */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { WorkerFleet, WorkerFleetProps } from '../../lib/worker-fleet';
import { EnvironmentInput, FleetInput, resolveEnvironment } from '../../lib/config';
import { makeApp } from '../helpers';

function templateOf(props: Partial<WorkerFleetProps> = {}) {
  const stack = new Stack(makeApp(), 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  new WorkerFleet(stack, 'Fleet', { fleetName: 'etl', vpc, metricsNamespace: 'GracefulAutoscaler/test', instanceTypes: [new ec2.InstanceType('m7i.large')], minCapacity: 1, maxCapacity: 3, ...props });
  return Template.fromStack(stack);
}

const predictive = (t: Template) => t.findResources('AWS::AutoScaling::ScalingPolicy', { Properties: { PolicyType: 'PredictiveScaling' } });

test('by default a forecast-only policy on the CPU pair at the target tracking target: it forecasts and scales nothing', () => {
  const t = templateOf({ targetCpuPercent: 55 });
  expect(Object.keys(predictive(t))).toHaveLength(1);
  t.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
    PolicyType: 'PredictiveScaling',
    AutoScalingGroupName: { Ref: Match.stringLikeRegexp('Group') },
    PredictiveScalingConfiguration: {
      Mode: 'ForecastOnly',
      MetricSpecifications: [{ TargetValue: 55, PredefinedMetricPairSpecification: { PredefinedMetricType: 'ASGCPUUtilization' } }],
      SchedulingBufferTime: 300,
      MaxCapacityBreachBehavior: 'HonorMaxCapacity',
    },
  });
  // Target tracking stays, and still scales in: predictive scaling never does.
  t.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', { PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: Match.objectLike({ TargetValue: 55, DisableScaleIn: Match.absent() }) });
});

test("the library refuses a mode it does not know, naming the construct: AWS's own spelling would otherwise fall back to forecast only", () => {
  expect(() => templateOf({ predictiveScaling: 'ForecastAndScale' as never })).toThrow(/Test\/Fleet: predictiveScaling \("ForecastAndScale"\) must be one of off, forecast-only, forecast-and-scale/);
});

test('forecast-and-scale scales on the forecast; off creates no policy', () => {
  const scale = templateOf({ predictiveScaling: 'forecast-and-scale' });
  scale.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', { PredictiveScalingConfiguration: Match.objectLike({ Mode: 'ForecastAndScale' }) });
  expect(Object.keys(predictive(templateOf({ predictiveScaling: 'off' })))).toHaveLength(0);
});

describe('config', () => {
  const fleet: FleetInput = { name: 'adhoc', instanceTypes: ['m7i.2xlarge'], minCapacity: 1, maxCapacity: 8 };
  const env = (f: Record<string, unknown>): EnvironmentInput => ({ network: { kind: 'create' }, fleets: [{ ...fleet, ...f } as FleetInput] });

  test('forecast-only unless set; each mode resolves', () => {
    expect(resolveEnvironment('qa', env({})).fleets[0]).toMatchObject({ predictiveScaling: 'forecast-only' });
    for (const mode of ['off', 'forecast-only', 'forecast-and-scale']) expect(resolveEnvironment('qa', env({ predictiveScaling: mode })).fleets[0]).toMatchObject({ predictiveScaling: mode });
  });

  test('a mode it does not know is refused at synth, naming environment, field, value and rule', () => {
    expect(() => resolveEnvironment('qa', env({ predictiveScaling: 'ForecastAndScale' }))).toThrow(/env "qa": fleets\[0\]\.predictiveScaling \("ForecastAndScale"\) must be one of off, forecast-only, forecast-and-scale/);
  });

  test("an adopted group keeps its owner's policies: the field is refused beside existing", () => {
    expect(() => resolveEnvironment('qa', { network: { kind: 'create' }, fleets: [{ name: 'adhoc', existing: { groupName: 'theirs' }, predictiveScaling: 'forecast-only' } as unknown as FleetInput] })).toThrow(/fleets\[0\]\.predictiveScaling/);
  });
});
