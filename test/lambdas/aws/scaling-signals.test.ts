import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AutoScalingGroupStates, CloudWatchSignalHistory, DATUMS_PER_CALL, publishSignals, withoutPartialNewest } from '../../../lambdas/aws/scaling-signals';
import { DEFAULT_SCALING_POLICY } from '../../../core/scaling-policy';

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
  expect(got.get('g')).toEqual({ capacity: 4, minCapacity: 1, maxCapacity: 9, launching: 2, inService: ['i-0', 'i-1'] });
  // Which of them still warm up is read only when a scale-out needs it (the handler asks).
  expect(asg.commandCalls(DescribeScalingActivitiesCommand)).toHaveLength(0);
});

test('the history takes the newest average, the per-minute Sum over the lookback as busy instances (oldest first, by minutes ago), and our last queue', async () => {
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
  expect(got.get('etl')).toEqual({
    cpuPercent: 35,
    // The missing minute 2 stays missing rather than read as idle: the trend is fitted on the minutes there are.
    busyInstances: [
      { minutesAgo: 3, busy: 6 },
      { minutesAgo: 1, busy: 4.2 },
    ],
    previousQueued: 12,
  });
  const input = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
  expect(input.EndTime).toEqual(new Date('2026-11-21T12:00:00Z'));
  expect(input.MetricDataQueries!.map((q) => q.MetricStat!.Stat)).toEqual(['Average', 'Sum', 'SampleCount', 'Maximum']);
});

test('the newest minutes, while fewer instances have reported in them than in the minute before, are left out of the load, not read as a drop', async () => {
  const now = Date.parse('2026-11-21T12:00:30Z');
  const minute = (k: number) => new Date(Date.parse('2026-11-21T12:00:00Z') - k * 60_000);
  const read = async (counts: number[]) => {
    cw.reset();
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'avg0', Timestamps: [minute(1)], Values: [40] },
        // Newest first (TimestampDescending): six instances at 40% each, 240, in every complete minute.
        { Id: 'sum0', Timestamps: [minute(1), minute(2), minute(3), minute(4)], Values: counts.map((n) => n * 40) },
        { Id: 'n0', Timestamps: [minute(1), minute(2), minute(3), minute(4)], Values: counts },
      ],
    });
    const fleets = [{ fleet: 'etl', groupName: 'g', coordinatorUrl: 'http://c:8080', policy: { ...DEFAULT_SCALING_POLICY, scaleInLookbackMinutes: 8, targetCpuPercent: 40 } }];
    return (await new CloudWatchSignalHistory(new CloudWatchClient({}), 'GracefulAutoscaler/prod').read(fleets, now)).get('etl')!.busyInstances ?? [];
  };
  // Two instances' datapoints for the minute just ended, and one for the minute before, have not landed yet.
  expect(await read([4, 5, 6, 6])).toEqual([
    { minutesAgo: 4, busy: 2.4 },
    { minutesAgo: 3, busy: 2.4 },
  ]);
  // A scale-out raises the count: every minute counts.
  expect((await read([7, 6, 6, 6])).map((m) => m.minutesAgo)).toEqual([4, 3, 2, 1]);
  // Once the minutes have landed, nothing is left out.
  expect(await read([6, 6, 6, 6])).toHaveLength(4);
});

test('withoutPartialNewest keeps a series with no sample counts, or one minute, whole', () => {
  expect(withoutPartialNewest([{ count: 3 }])).toEqual([{ count: 3 }]);
  expect(withoutPartialNewest([{}, {}, {}])).toHaveLength(3);
  expect(withoutPartialNewest([{ count: 5 }, {}])).toHaveLength(2);
  expect(withoutPartialNewest([{ count: 5 }, { count: 5 }, { count: 4 }])).toHaveLength(2);
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
  expect(got.get('etl')).toEqual({ cpuPercent: undefined, busyInstances: [{ minutesAgo: 2, busy: 3 }], previousQueued: undefined });
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

test("the warm instances are those in service whose launch no longer waits for its warmup (the group's own activities)", async () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  const activity = (id: string, StatusCode: string, minutesAgo: number) => ({
    ActivityId: `a-${id}`,
    AutoScalingGroupName: 'g',
    Cause: 'alarm',
    Description: `Launching a new EC2 instance: ${id}`,
    StartTime: new Date(now - minutesAgo * 60_000),
    StatusCode,
  });
  // In progress first, then by start time (API reference).
  asg.on(DescribeScalingActivitiesCommand).resolves({
    Activities: [
      activity('i-0000000000000000d', 'PreInService', 1),
      activity('i-0000000000000000c', 'WaitingForInstanceWarmup', 3),
      // One warming up that is no longer in the group counts for nothing, as does one that warmed up.
      activity('i-00000000000000099', 'WaitingForInstanceWarmup', 4),
      activity('i-0000000000000000b', 'Successful', 30),
    ] as any,
  });
  const inService = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c'];
  expect(await new AutoScalingGroupStates(new AutoScalingClient({})).warm('g', inService)).toBe(2);
  expect(asg.commandCalls(DescribeScalingActivitiesCommand)[0].args[0].input).toMatchObject({ AutoScalingGroupName: 'g', MaxRecords: 100 });
});

test('activities that cannot be read leave the warm count unknown', async () => {
  asg.on(DescribeScalingActivitiesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
  expect(await new AutoScalingGroupStates(new AutoScalingClient({})).warm('g', ['i-0000000000000000a'])).toBeUndefined();
});

test('activities are paged only until the first finished one: every launch still warming comes before it', async () => {
  const inProgress = { ActivityId: 'x', AutoScalingGroupName: 'g', Cause: 'c', Description: 'Launching a new EC2 instance: i-00000000000000001', StartTime: new Date(0), StatusCode: 'WaitingForInstanceWarmup' };
  const done = { ...inProgress, Description: 'Terminating EC2 instance: i-00000000000000002', StatusCode: 'Successful' };
  asg.on(DescribeScalingActivitiesCommand).resolvesOnce({ Activities: [inProgress] as any, NextToken: 't1' }).resolvesOnce({ Activities: [inProgress, done] as any, NextToken: 't2' }).resolves({ Activities: [], NextToken: 't3' });
  expect(await new AutoScalingGroupStates(new AutoScalingClient({})).warm('g', ['i-00000000000000001', 'i-0000000000000000a'])).toBe(1);
  expect(asg.commandCalls(DescribeScalingActivitiesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 't1']);
});
