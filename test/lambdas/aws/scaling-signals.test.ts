import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AutoScalingGroupStates, CloudWatchSignalHistory, DATUMS_PER_CALL, publishSignals } from '../../../lambdas/aws/scaling-signals';
import { DEFAULT_SCALING_POLICY } from '../../../lambdas/domain/scaling-policy';

const asg = mockClient(AutoScalingClient);
const cw = mockClient(CloudWatchClient);
beforeEach(() => {
  asg.reset();
  cw.reset();
});

test("a group's capacity is what target tracking counts: in service and launching, not draining", async () => {
  const states = ['InService', 'InService', 'Pending', 'Pending:Wait', 'Terminating:Wait', 'Terminating', 'Standby'];
  asg.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [{ AutoScalingGroupName: 'g', MinSize: 1, MaxSize: 9, Instances: states.map((LifecycleState, k) => ({ InstanceId: `i-${k}`, LifecycleState })) } as any],
  });
  const got = await new AutoScalingGroupStates(new AutoScalingClient({})).describe(['g']);
  expect(got.get('g')).toEqual({ capacity: 4, minCapacity: 1, maxCapacity: 9, launching: 2 });
});

test('the history takes the newest average, the peak per-minute Sum over the lookback as busy instances, and our last queue', async () => {
  const now = Date.parse('2026-11-21T12:00:30Z');
  const minute = (k: number) => new Date(Date.parse('2026-11-21T12:00:00Z') - k * 60_000);
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'avg0', Timestamps: [minute(1), minute(2)], Values: [35, 60] },
      // 600 = six instances' worth; the minute 20 back is outside a lookback of 8 and does not count.
      { Id: 'sum0', Timestamps: [minute(1), minute(3), minute(20)], Values: [420, 600, 2000] },
      { Id: 'q0', Timestamps: [minute(1)], Values: [12] },
    ],
  });
  const fleets = [{ fleet: 'etl', groupName: 'g', coordinatorUrl: 'http://c:8080', policy: { ...DEFAULT_SCALING_POLICY, scaleInLookbackMinutes: 8, targetCpuPercent: 40 } }];
  const got = await new CloudWatchSignalHistory(new CloudWatchClient({}), 'GracefulAutoscaler/prod').read(fleets, now);
  expect(got.get('etl')).toEqual({ cpuPercent: 35, peakBusyInstances: 6, previousQueued: 12 });
  const input = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
  expect(input.EndTime).toEqual(new Date('2026-11-21T12:00:00Z'));
  expect(input.MetricDataQueries!.map((q) => q.MetricStat!.Stat)).toEqual(['Average', 'Sum', 'Maximum']);
});

test('stale datapoints do not stand for now: no CPU from 10 minutes ago, no queue from 5', async () => {
  const now = Date.parse('2026-11-21T12:00:30Z');
  const minute = (k: number) => new Date(Date.parse('2026-11-21T12:00:00Z') - k * 60_000);
  cw.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'avg0', Timestamps: [minute(10)], Values: [5] },
      { Id: 'sum0', Timestamps: [minute(2)], Values: [300] },
      { Id: 'q0', Timestamps: [minute(5)], Values: [40] },
    ],
  });
  const fleets = [{ fleet: 'etl', groupName: 'g', coordinatorUrl: 'http://c:8080', policy: { ...DEFAULT_SCALING_POLICY, scaleInLookbackMinutes: 8, targetCpuPercent: 40 } }];
  const got = await new CloudWatchSignalHistory(new CloudWatchClient({}), 'GracefulAutoscaler/prod').read(fleets, now);
  expect(got.get('etl')).toEqual({ cpuPercent: undefined, peakBusyInstances: 3, previousQueued: undefined });
});

test('PutMetricData in batches of at most 1,000, each datapoint with its Fleet (and Rule) dimensions', async () => {
  cw.on(PutMetricDataCommand).resolves({});
  const points = Array.from({ length: 2500 }, (_, k) => ({ name: 'QueuedQueries', fleet: `f${k}`, value: k, unit: 'Count' as const }));
  points[0] = { ...points[0], name: 'ScalingDecisions', rule: 'hold' } as any;
  await publishSignals(new CloudWatchClient({}), 'GracefulAutoscaler/prod', points, new Date(0));
  const calls = cw.commandCalls(PutMetricDataCommand);
  expect(calls.map((c) => c.args[0].input.MetricData!.length)).toEqual([DATUMS_PER_CALL, DATUMS_PER_CALL, 500]);
  expect(calls[0].args[0].input.MetricData![0].Dimensions).toEqual([{ Name: 'Fleet', Value: 'f0' }, { Name: 'Rule', Value: 'hold' }]);
});
