import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SSMClient, SendCommandCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AutoScalingFleet } from '../../../lambdas/aws/auto-scaling-fleet';
import { CloudWatchTaskCounts } from '../../../lambdas/aws/cloudwatch-task-counts';
import { SsmWorkerControl } from '../../../lambdas/aws/ssm-worker-control';
import { AGENT_TASK_METRIC } from '../../../core/contract/lambda-settings';
import { STRAGGLER_RUN_MINUTES } from '../../../core/contract/metrics';
import { CloudWatchStragglerFindings, FINDINGS_MAX_AGE_MINUTES } from '../../../lambdas/aws/stragglers';

const asg = mockClient(AutoScalingClient);
const cw = mockClient(CloudWatchClient);
const ssm = mockClient(SSMClient);
beforeEach(() => {
  asg.reset();
  cw.reset();
  ssm.reset();
});

const ids = (n: number, prefix = 'i-0') => Array.from({ length: n }, (_, k) => `${prefix}${k.toString(16).padStart(16, '0')}`);
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

describe('AutoScalingFleet', () => {
  const fleet = new AutoScalingFleet(new AutoScalingClient({}));

  test('lists Terminating:Wait instances across pages, one call per 100 groups, not per instance', async () => {
    const groups = Array.from({ length: 150 }, (_, k) => `g${k}`);
    asg
      .on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: groups.slice(0, 100) })
      .resolvesOnce({
        AutoScalingGroups: [{ AutoScalingGroupName: 'g0', Instances: [{ InstanceId: 'i-a', LifecycleState: 'Terminating:Wait' }, { InstanceId: 'i-b', LifecycleState: 'InService' }] } as never],
        NextToken: 'page2',
      })
      .resolvesOnce({ AutoScalingGroups: [{ AutoScalingGroupName: 'g1', Instances: [{ InstanceId: 'i-c', LifecycleState: 'Terminating:Wait' }] } as never] });
    asg.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: groups.slice(100) }).resolves({
      AutoScalingGroups: [{ AutoScalingGroupName: 'g120', Instances: [{ InstanceId: 'i-d', LifecycleState: 'Terminating:Proceed' }] } as never],
    });
    const waiting = await fleet.listWaitingInstances(groups);
    expect(waiting).toEqual([{ instanceId: 'i-a', groupName: 'g0' }, { instanceId: 'i-c', groupName: 'g1' }]);
    expect(asg).toHaveReceivedCommandTimes(DescribeAutoScalingGroupsCommand, 3);
    expect(asg).toHaveReceivedNthCommandWith(2, DescribeAutoScalingGroupsCommand, { NextToken: 'page2', MaxRecords: 100 });
  });

  test('checks events against Auto Scaling in batches of 50 instance ids', async () => {
    const instanceIds = ids(120);
    asg.on(DescribeAutoScalingInstancesCommand).callsFake((input) => ({
      AutoScalingInstances: input.InstanceIds.filter((_: string, k: number) => k % 2 === 0).map((InstanceId: string) => ({ InstanceId, AutoScalingGroupName: 'g', LifecycleState: 'Terminating:Wait' })),
    }));
    const waiting = await fleet.filterWaiting(instanceIds.map((instanceId) => ({ instanceId, groupName: 'g' })));
    expect(asg).toHaveReceivedCommandTimes(DescribeAutoScalingInstancesCommand, 3);
    for (const call of asg.commandCalls(DescribeAutoScalingInstancesCommand)) expect(call.args[0].input.InstanceIds!.length).toBeLessThanOrEqual(50);
    expect(waiting).toHaveLength(60);
  });

  test('an instance waiting in another group than the event names is not waiting there', async () => {
    asg.on(DescribeAutoScalingInstancesCommand).resolves({
      AutoScalingInstances: [{ InstanceId: 'i-a', AutoScalingGroupName: 'someone-elses', LifecycleState: 'Terminating:Wait', AvailabilityZone: 'z', LaunchConfigurationName: 'x', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false }],
    });
    await expect(fleet.filterWaiting([{ instanceId: 'i-a', groupName: 'ours' }])).resolves.toEqual([]);
  });

  test('completes with the instance id, our hook and CONTINUE', async () => {
    asg.on(CompleteLifecycleActionCommand).resolves({});
    await expect(fleet.completeLifecycleAction({ instanceId: 'i-a', groupName: 'g0' }, 'graceful-autoscaler-drain', 'CONTINUE')).resolves.toBe('done');
    expect(asg).toHaveReceivedCommandWith(CompleteLifecycleActionCommand, {
      AutoScalingGroupName: 'g0',
      LifecycleHookName: 'graceful-autoscaler-drain',
      InstanceId: 'i-a',
      LifecycleActionResult: 'CONTINUE',
    });
  });

  test('"No active Lifecycle Action found" means already done, for completes and heartbeats', async () => {
    const gone = awsError('ValidationError', 'No active Lifecycle Action found with instance ID i-a');
    asg.on(CompleteLifecycleActionCommand).rejects(gone);
    asg.on(RecordLifecycleActionHeartbeatCommand).rejects(gone);
    await expect(fleet.completeLifecycleAction({ instanceId: 'i-a', groupName: 'g0' }, 'h', 'CONTINUE')).resolves.toBe('gone');
    await expect(fleet.recordHeartbeat({ instanceId: 'i-a', groupName: 'g0' }, 'h')).resolves.toBe('gone');
  });

  test('any other ValidationError or throttling is a real error', async () => {
    asg.on(CompleteLifecycleActionCommand).rejects(awsError('ValidationError', 'LifecycleHookName is invalid'));
    await expect(fleet.completeLifecycleAction({ instanceId: 'i-a', groupName: 'g0' }, 'h', 'CONTINUE')).rejects.toThrow(/invalid/);
    asg.on(RecordLifecycleActionHeartbeatCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    await expect(fleet.recordHeartbeat({ instanceId: 'i-a', groupName: 'g0' }, 'h')).rejects.toThrow(/Rate exceeded/);
  });
});

describe('CloudWatchTaskCounts', () => {
  const metric = AGENT_TASK_METRIC;
  const counts = new CloudWatchTaskCounts(new CloudWatchClient({}), metric);
  const now = Date.UTC(2026, 10, 21, 12, 0, 0);

  test('reads 1200 instances in 3 calls of at most 500 queries, with both dimensions', async () => {
    cw.on(GetMetricDataCommand).callsFake((input) => ({
      MetricDataResults: input.MetricDataQueries.map((q: any) => ({ Id: q.Id, Timestamps: [new Date(now - 20_000), new Date(now - 10_000)], Values: [0, 2], StatusCode: 'Complete' })),
    }));
    const instances = ids(1200).map((instanceId) => ({ instanceId, groupName: 'etl-asg' }));
    const readings = await counts.read(instances, now - 60_000, now);
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
    const first = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(first.MetricDataQueries).toHaveLength(500);
    expect(first.MetricDataQueries![0]).toMatchObject({
      Id: 'q0',
      MetricStat: {
        Metric: { Namespace: 'GracefulAutoscaler', MetricName: 'RunningTasks', Dimensions: [{ Name: 'InstanceId', Value: instances[0].instanceId }, { Name: 'AutoScalingGroupName', Value: 'etl-asg' }] },
        Period: 10,
        Stat: 'Maximum',
      },
    });
    expect(readings.get(instances[1199].instanceId)?.readings).toEqual([{ at: now - 20_000, runningTasks: 0 }, { at: now - 10_000, runningTasks: 2 }]);
  });

  test('dimensions are configurable: instance dimension renamed, no group dimension, fixed extras', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const custom = new CloudWatchTaskCounts(new CloudWatchClient({}), { ...metric, namespace: 'Trino', metricName: 'ActiveTasks', periodSeconds: 60, instanceDimension: 'host', groupDimension: undefined, extraDimensions: { cluster: 'etl' } });
    await custom.read([{ instanceId: 'i-a', groupName: 'g' }], now - 600_000, now);
    expect(cw).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: [expect.objectContaining({ MetricStat: expect.objectContaining({ Period: 60, Metric: { Namespace: 'Trino', MetricName: 'ActiveTasks', Dimensions: [{ Name: 'host', Value: 'i-a' }, { Name: 'cluster', Value: 'etl' }] } }) })],
    });
  });

  test('follows NextToken and merges pages per instance', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(now - 10_000)], Values: [1] }], NextToken: 't' })
      .resolvesOnce({ MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(now - 20_000)], Values: [3] }] });
    const readings = await counts.read([{ instanceId: 'i-a', groupName: 'g' }], now - 60_000, now);
    expect(readings.get('i-a')?.readings).toHaveLength(2);
    expect(cw).toHaveReceivedNthCommandWith(2, GetMetricDataCommand, { NextToken: 't' });
  });

  test('asked for task ages, it reads the age metric beside the count: 2 queries per instance, 250 instances per call, ages on their own periods', async () => {
    cw.on(GetMetricDataCommand).callsFake((input) => ({
      // The age results come first, as a page may order them: ages attach once the batch is read.
      MetricDataResults: [...input.MetricDataQueries].reverse().map((q: any) =>
        q.Id.startsWith('a')
          ? { Id: q.Id, Timestamps: [new Date(now - 10_000)], Values: [312.5], StatusCode: 'Complete' }
          : { Id: q.Id, Timestamps: [new Date(now - 20_000), new Date(now - 10_000)], Values: [0, 2], StatusCode: 'Complete' },
      ),
    }));
    const instances = ids(600).map((instanceId) => ({ instanceId, groupName: 'etl-asg' }));
    const readings = await counts.read(instances, now - 60_000, now, { taskAges: true });
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 3);
    const first = cw.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(first.MetricDataQueries).toHaveLength(500);
    expect(first.MetricDataQueries![1]).toMatchObject({
      Id: 'a0',
      MetricStat: { Metric: { Namespace: 'GracefulAutoscaler', MetricName: 'OldestTaskAgeSeconds', Dimensions: [{ Name: 'InstanceId', Value: instances[0].instanceId }, { Name: 'AutoScalingGroupName', Value: 'etl-asg' }] }, Period: 10, Stat: 'Maximum' },
    });
    expect(readings.get(instances[599].instanceId)?.readings).toEqual([{ at: now - 20_000, runningTasks: 0 }, { at: now - 10_000, runningTasks: 2, oldestTaskAgeSeconds: 312.5 }]);
    // Not asked (the drain sweep), or no age metric configured: the count alone, 500 instances per call.
    cw.resetHistory();
    await counts.read(instances, now - 60_000, now);
    await new CloudWatchTaskCounts(new CloudWatchClient({}), { ...metric, ageMetricName: undefined }).read(instances, now - 60_000, now, { taskAges: true });
    expect(cw).toHaveReceivedCommandTimes(GetMetricDataCommand, 4);
    for (const call of cw.commandCalls(GetMetricDataCommand)) expect(call.args[0].input.MetricDataQueries!.every((q) => q.Id!.startsWith('q'))).toBe(true);
  });

  test('an instance without datapoints has no readings: missing is not zero', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', Timestamps: [], Values: [] }] });
    const readings = await counts.read([{ instanceId: 'i-a', groupName: 'g' }], now - 60_000, now);
    expect(readings.get('i-a')?.readings ?? []).toEqual([]);
  });
});

describe('SsmWorkerControl', () => {
  test('sends the configured commands in batches of 50 instances', async () => {
    ssm.on(SendCommandCommand).resolves({});
    const control = new SsmWorkerControl(new SSMClient({}), ['curl -X PUT -d \'"SHUTTING_DOWN"\' localhost:8080/v1/info/state']);
    const reached = await control.requestStop(ids(120).map((instanceId) => ({ instanceId, groupName: 'g' })));
    expect(reached.size).toBe(120);
    expect(ssm).toHaveReceivedCommandTimes(SendCommandCommand, 3);
    expect(ssm).toHaveReceivedCommandWith(SendCommandCommand, { DocumentName: 'AWS-RunShellScript', Parameters: expect.objectContaining({ commands: [expect.stringContaining('SHUTTING_DOWN')] }) });
  });
});

describe('CloudWatchStragglerFindings', () => {
  test('a finding from the last straggler run is still read just before the next (runs every STRAGGLER_RUN_MINUTES)', async () => {
    const ranAt = Date.UTC(2026, 10, 21, 12, 0, 0);
    const now = ranAt + (STRAGGLER_RUN_MINUTES * 60 + 59) * 1000;
    cw.on(GetMetricDataCommand).callsFake((input) => ({
      MetricDataResults: input.StartTime.getTime() <= ranAt ? [{ Id: 'b0', Timestamps: [new Date(ranAt)], Values: [42], StatusCode: 'Complete' }] : [{ Id: 'b0', Timestamps: [], Values: [] }],
    }));
    const findings = await new CloudWatchStragglerFindings(new CloudWatchClient({}), 'GracefulAutoscaler/qa/signals').read('etl-asg', ['i-slow'], now);
    expect(findings.get('i-slow')).toBe(42);
    const start = cw.commandCalls(GetMetricDataCommand)[0].args[0].input.StartTime!.getTime();
    expect(now - start).toBeLessThanOrEqual((FINDINGS_MAX_AGE_MINUTES + 1) * 60_000);
  });
});
