import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  RecordLifecycleActionHeartbeatCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand, QueryCommand, TransactWriteItemsCommand, TransactionCanceledException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SSMClient, SendCommandCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AutoScalingFleet } from '../../../lambdas/aws/auto-scaling-fleet';
import { CloudWatchTaskCounts } from '../../../lambdas/aws/cloudwatch-task-counts';
import { DynamoDrainStore } from '../../../lambdas/aws/dynamo-drain-store';
import { SsmWorkerControl } from '../../../lambdas/aws/ssm-worker-control';
import { AGENT_TASK_METRIC } from '../../../lambdas/domain/settings';
import { DrainRecord } from '../../../lambdas/ports';

const asg = mockClient(AutoScalingClient);
const cw = mockClient(CloudWatchClient);
const ddb = mockClient(DynamoDBClient);
const ssm = mockClient(SSMClient);
beforeEach(() => {
  asg.reset();
  cw.reset();
  ddb.reset();
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

  test('an instance without datapoints has no readings: missing is not zero', async () => {
    cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', Timestamps: [], Values: [] }] });
    const readings = await counts.read([{ instanceId: 'i-a', groupName: 'g' }], now - 60_000, now);
    expect(readings.get('i-a')?.readings ?? []).toEqual([]);
  });
});

describe('DynamoDrainStore', () => {
  const store = new DynamoDrainStore(new DynamoDBClient({}), 'drains');
  const record: DrainRecord = { instanceId: 'i-a', groupName: 'g', fleet: 'etl', waitStartedAt: 1, deadlineAt: 2, hookExpiresAt: 3, heartbeatTimeoutSeconds: 720, heartbeats: 0, readings: [] };

  test('lists every active drain across pages with a consistent query of one partition', async () => {
    const item = (id: string) => ({ pk: { S: 'ACTIVE' }, sk: { S: id }, groupName: { S: 'g' }, fleet: { S: 'etl' }, waitStartedAt: { N: '1' }, deadlineAt: { N: '2' }, hookExpiresAt: { N: '3' }, heartbeatTimeoutSeconds: { N: '720' }, heartbeats: { N: '0' }, readings: { S: '[]' } });
    ddb.on(QueryCommand).resolvesOnce({ Items: [item('i-a')], LastEvaluatedKey: { pk: { S: 'ACTIVE' }, sk: { S: 'i-a' } } }).resolvesOnce({ Items: [item('i-b')] });
    const active = await store.listActive();
    expect(active.map((r) => r.instanceId)).toEqual(['i-a', 'i-b']);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, { ConsistentRead: true, KeyConditionExpression: 'pk = :pk' });
  });

  test('a drain report is recorded once: a second one finds drainedAt set and changes nothing', async () => {
    ddb.on(UpdateItemCommand).resolvesOnce({}).rejectsOnce(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    await expect(store.markDrained('i-a', 10, 'coordinator')).resolves.toBe(true);
    await expect(store.markDrained('i-a', 11, 'exited')).resolves.toBe(false);
    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { pk: { S: 'ACTIVE' }, sk: { S: 'i-a' } },
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(drainedAt)',
      ExpressionAttributeValues: { ':at': { N: '10' }, ':by': { S: 'coordinator' } },
    });
  });

  test('first sight by two invocations: the loser gets the stored record back', async () => {
    const stored = { ...record, waitStartedAt: 0 };
    ddb.on(PutItemCommand).rejects(
      Object.assign(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }), {
        Item: { pk: { S: 'ACTIVE' }, sk: { S: 'i-a' }, groupName: { S: 'g' }, fleet: { S: 'etl' }, waitStartedAt: { N: '0' }, deadlineAt: { N: '2' }, hookExpiresAt: { N: '3' }, heartbeatTimeoutSeconds: { N: '720' }, heartbeats: { N: '0' }, readings: { S: '[]' } },
      }),
    );
    await expect(store.claimFirstSeen(record)).resolves.toEqual({ ...stored, stopSentAt: undefined, stopClaimUntil: undefined, drainedAt: undefined, drainedBy: undefined });
    expect(ddb).toHaveReceivedCommandWith(PutItemCommand, { ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  });

  test('the stop claim is conditional: a held claim answers false', async () => {
    ddb.on(UpdateItemCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} })).resolves({});
    await expect(store.claimStop('i-a', 10, 70)).resolves.toBe(false);
    await expect(store.claimStop('i-a', 10, 70)).resolves.toBe(true);
  });

  test('finishing moves the drain to history atomically; a second finisher gets false', async () => {
    ddb.on(TransactWriteItemsCommand)
      .resolvesOnce({})
      .rejectsOnce(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));
    await expect(store.finish(record, { outcome: 'forced', completedAt: Date.UTC(2026, 10, 21), runningTasksAtEnd: 4 })).resolves.toBe(true);
    const items = ddb.commandCalls(TransactWriteItemsCommand)[0].args[0].input.TransactItems!;
    expect(items[0].Delete).toMatchObject({ Key: { pk: { S: 'ACTIVE' }, sk: { S: 'i-a' } }, ConditionExpression: 'attribute_exists(pk)' });
    expect(items[1].Put!.Item).toMatchObject({ pk: { S: 'HISTORY#2026-11-21' }, outcome: { S: 'forced' }, runningTasksAtEnd: { N: '4' } });
    await expect(store.finish(record, { outcome: 'idle', completedAt: 5 })).resolves.toBe(false);
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
