/**
 * The real adapters, with real SDK clients, on the faithful model of AWS (testing/aws-model.ts): the rules
 * AWS documents and moto does not implement (whole-call rejections, Terminating:Wait, eventual
 * consistency, hot partitions). No aws-sdk-client-mock here: it replaces send() on every client of a class.
 */
import { AutoScalingClient, CompleteLifecycleActionCommand, DescribeScalingActivitiesCommand, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { DRAIN_HOOK_NAME } from '../../../core/contract/names';
import { AutoScalingGroupStates } from '../../../lambdas/aws/scaling-signals';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AutoScalingAdmin } from '../../../lambdas/aws/auto-scaling-admin';
import { AutoScalingFleet } from '../../../lambdas/aws/auto-scaling-fleet';
import { DRAIN_SHARDS, DynamoDrainStore } from '../../../lambdas/aws/dynamo-drain-store';
import { Ec2InstanceDetails } from '../../../lambdas/aws/ec2-instance-details';
import { SsmWorkerControl } from '../../../lambdas/aws/ssm-worker-control';
import { DrainRecord } from '../../../core/ports';
import { AwsModel } from '../../../testing/aws-model';

/** Real SDK clients on the faithful model: no retries, so each call is one answer. */
const MODEL_CLIENT = { region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
const ids = (n: number, prefix = 'i-0') => Array.from({ length: n }, (_, k) => `${prefix}${k.toString(16).padStart(16, '0')}`);

describe('DynamoDrainStore, on the faithful model (moto.test.ts runs the same store on moto)', () => {
  const record: DrainRecord = { instanceId: 'i-0000000000000000a', groupName: 'g', fleet: 'etl', waitStartedAt: 1, deadlineAt: 2, hookExpiresAt: 3, heartbeatTimeoutSeconds: 720, heartbeats: 0, readings: [] };
  const setup = () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    const store = new DynamoDrainStore(aws.attach(new DynamoDBClient(MODEL_CLIENT)), 'drains');
    return { aws, store };
  };

  test('lists every active drain across its shards, and drains do not share one partition key', async () => {
    const { aws, store } = setup();
    const instanceIds = ids(300);
    for (const instanceId of instanceIds) await store.claimFirstSeen({ ...record, instanceId });
    expect((await store.listActive()).map((r) => r.instanceId).sort()).toEqual([...instanceIds].sort());
    const partitions = new Set([...aws.table.values()].map((i) => i.pk.S));
    expect(partitions.size).toBe(DRAIN_SHARDS);
    expect(aws.byOperation.get('Query')).toBe(DRAIN_SHARDS);
  });

  test('first sight by two invocations: the loser gets the stored record back', async () => {
    const { store } = setup();
    await expect(store.claimFirstSeen(record)).resolves.toEqual(record);
    await expect(store.claimFirstSeen({ ...record, waitStartedAt: 99 })).resolves.toMatchObject({ waitStartedAt: 1 });
  });

  test('a drain report is recorded once; the stop claim is conditional', async () => {
    const { store } = setup();
    await store.claimFirstSeen(record);
    await expect(store.markDrained(record.instanceId, 10, 'coordinator')).resolves.toBe(true);
    await expect(store.markDrained(record.instanceId, 11, 'exited')).resolves.toBe(false);
    await expect(store.claimStop(record.instanceId, 10, 70)).resolves.toBe(true);
    await expect(store.claimStop(record.instanceId, 20, 80)).resolves.toBe(false);
    await expect(store.claimStop(record.instanceId, 71, 130)).resolves.toBe(true);
  });

  test('finishing moves the drain to history atomically; a second finisher gets false; the drain stays finished', async () => {
    const { aws, store } = setup();
    await store.claimFirstSeen(record);
    await expect(store.finish(record, { outcome: 'forced', completedAt: Date.UTC(2026, 10, 21), runningTasksAtEnd: 4 })).resolves.toBe(true);
    await expect(store.finish(record, { outcome: 'idle', completedAt: 5 })).resolves.toBe(false);
    expect(await store.listActive()).toEqual([]);
    const history = [...aws.table.values()].filter((i) => i.pk.S!.startsWith('HISTORY#2026-11-21#'));
    expect(history).toEqual([expect.objectContaining({ outcome: { S: 'forced' }, runningTasksAtEnd: { N: '4' } })]);
    // A stale listing that still shows it waiting cannot start a second drain.
    await expect(store.claimFirstSeen({ ...record, waitStartedAt: 50 })).resolves.toBeUndefined();
    expect(await store.listActive()).toEqual([]);
  });

  test('a holder that ended cannot hold again; an operator can pause again after resuming', async () => {
    const { store } = setup();
    const hold = { groupName: 'g', holder: 'deployment:d-A1B2C3D4E', reason: 'deploy', requestedBy: 'codedeploy', since: 1, until: 2 };
    await expect(store.putHold(hold)).resolves.toBe(true);
    await expect(store.removeHold('g', hold.holder, true)).resolves.toBe(true);
    await expect(store.putHold(hold)).resolves.toBe(false);
    expect(await store.listHolds()).toEqual([]);
    const pause = { ...hold, holder: 'operator' };
    await store.putHold(pause);
    await store.removeHold('g', 'operator');
    await expect(store.putHold(pause)).resolves.toBe(true);
  });
});

describe('AutoScalingAdmin: SetInstanceProtection refuses the whole call for one instance not in service', () => {
  test('an instance that began terminating since the describe is skipped; the others are protected', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    const [a, b, c, d] = ids(4);
    for (const id of [a, b, c, d]) aws.addInstance({ instanceId: id, groupName: 'g' });
    aws.beginTermination(c);
    const admin = new AutoScalingAdmin(aws.attach(new AutoScalingClient(MODEL_CLIENT)));
    const out = await admin.setScaleInProtection('g', [a, b, c, d], true);
    expect(out.skipped).toEqual([c]);
    expect([a, b, d].map((id) => aws.instances.get(id)!.protectedFromScaleIn)).toEqual([true, true, true]);
    expect(aws.groups.get('g')!.newInstancesProtected).toBe(true);
    expect(aws.rejections.filter((r) => r.operation === 'SetInstanceProtection').length).toBeGreaterThan(0);
  });

  test('more than 50 instances go in batches of 50, and a rejected batch does not stop the next', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    const all = ids(120);
    for (const id of all) aws.addInstance({ instanceId: id, groupName: 'g' });
    aws.instances.get(all[10])!.state = 'Pending:Wait';
    const admin = new AutoScalingAdmin(aws.attach(new AutoScalingClient(MODEL_CLIENT)));
    const out = await admin.setScaleInProtection('g', all, true);
    expect(out.skipped).toEqual([all[10]]);
    expect(all.filter((id) => aws.instances.get(id)!.protectedFromScaleIn).length).toBe(119);
  });
});

describe('SsmWorkerControl: SendCommand refuses the whole call for one unmanaged or shutting-down instance', () => {
  test('one bad instance never blocks the others; each good one gets its stop exactly once', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    const all = ids(120);
    for (const id of all) aws.addInstance({ instanceId: id, groupName: 'g', state: 'Terminating:Wait' });
    aws.instances.get(all[3])!.ssmManaged = false; // the SSM agent never registered
    aws.instances.get(all[70])!.state = 'Terminating:Proceed'; // shutting down
    const control = new SsmWorkerControl(aws.attach(new SSMClient(MODEL_CLIENT)), ['systemctl stop worker']);
    const reached = await control.requestStop(all.map((instanceId) => ({ instanceId, groupName: 'g' })));
    expect(reached.size).toBe(118);
    expect(reached.has(all[3]) || reached.has(all[70])).toBe(false);
    const sent = aws.commands.flatMap((c) => c.instanceIds);
    expect(sent.length).toBe(118);
    expect(new Set(sent).size).toBe(118);
  });
});

describe('Ec2InstanceDetails: DescribeInstances refuses the whole call for one unknown id', () => {
  test('the unknown id is dropped and the others described', async () => {
    const aws = new AwsModel({ consistencyLagMs: 0 });
    const all = ids(5);
    for (const [k, id] of all.entries()) aws.addInstance({ instanceId: id, groupName: 'g', privateIp: `10.0.0.${k + 1}` });
    const details = new Ec2InstanceDetails(aws.attach(new EC2Client(MODEL_CLIENT)));
    const out = await details.describe([...all, 'i-0ffffffffffffffff']);
    expect([...out.keys()].sort()).toEqual([...all].sort());
    expect(out.get(all[2])?.privateIp).toBe('10.0.0.3');
    expect(aws.rejections).toEqual([{ operation: 'DescribeInstances', error: 'InvalidInstanceID.NotFound' }]);
  });
});

describe('AutoScalingFleet: Auto Scaling\'s own record of when a termination began', () => {
  test('terminationStartTimes reads DescribeScalingActivities, newest first, across pages', async () => {
    let now = Date.UTC(2026, 10, 21, 12);
    const aws = new AwsModel({ consistencyLagMs: 0, now: () => now });
    const all = ids(150);
    for (const [k, id] of all.entries()) {
      aws.addInstance({ instanceId: id, groupName: 'g' });
      aws.beginTermination(id, now + k * 1000);
    }
    now += 200_000;
    const fleet = new AutoScalingFleet(aws.attach(new AutoScalingClient(MODEL_CLIENT)));
    const times = await fleet.terminationStartTimes([all[0], all[149]].map((instanceId) => ({ instanceId, groupName: 'g' })));
    expect(times.get(all[0])).toBe(Date.UTC(2026, 10, 21, 12));
    expect(times.get(all[149])).toBe(Date.UTC(2026, 10, 21, 12) + 149_000);
    expect(aws.byOperation.get('DescribeScalingActivities')).toBe(2);
  });
});

describe('the model answers lifecycle, health and activity calls as the API reference does (issue 37 item 4)', () => {
  const setup = (start = Date.UTC(2026, 10, 21, 12)) => {
    const clock = { now: start };
    const aws = new AwsModel({ consistencyLagMs: 0, now: () => clock.now });
    const client = aws.attach(new AutoScalingClient(MODEL_CLIENT));
    return { aws, client, clock, fleet: new AutoScalingFleet(client) };
  };

  test('CompleteLifecycleAction refuses another hook\'s name and a result other than CONTINUE or ABANDON', async () => {
    const { aws, client } = setup();
    aws.putHook('g', DRAIN_HOOK_NAME, { HeartbeatTimeout: 600 });
    const [id] = ids(1);
    aws.addInstance({ instanceId: id, groupName: 'g', state: 'Terminating:Wait' });
    await expect(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'g', LifecycleHookName: 'CodeDeploy-managed-automatic-launch-deployment-hook', InstanceId: id, LifecycleActionResult: 'CONTINUE' }))).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/No active Lifecycle Action/) });
    await expect(client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'g', LifecycleHookName: DRAIN_HOOK_NAME, InstanceId: id, LifecycleActionResult: 'DONE' }))).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/CONTINUE, ABANDON/) });
    await client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'g', LifecycleHookName: DRAIN_HOOK_NAME, InstanceId: id, LifecycleActionResult: 'ABANDON' }));
    expect(aws.instances.get(id)).toMatchObject({ state: 'Terminating:Proceed', result: { result: 'ABANDON', by: 'complete' } });
  });

  test('a wait expires at its HeartbeatTimeout with the DefaultResult; heartbeats restart it within the global limit', async () => {
    const { aws, clock, fleet } = setup();
    aws.putHook('g', DRAIN_HOOK_NAME, { HeartbeatTimeout: 60, DefaultResult: 'CONTINUE' });
    const [a, b] = ids(2);
    for (const id of [a, b]) aws.addInstance({ instanceId: id, groupName: 'g', state: 'Terminating:Wait' });
    clock.now += 50_000;
    expect(await fleet.recordHeartbeat({ instanceId: b, groupName: 'g' }, DRAIN_HOOK_NAME)).toBe('done');
    clock.now += 20_000;
    // a expired at 60 s: the write finds no action; b's heartbeat moved its expiry to 110 s.
    expect(await fleet.completeLifecycleAction({ instanceId: a, groupName: 'g' }, DRAIN_HOOK_NAME, 'CONTINUE')).not.toBe('done');
    expect(aws.instances.get(a)).toMatchObject({ state: 'Terminating:Proceed', result: { result: 'CONTINUE', by: 'timeout' } });
    expect(aws.instances.get(b)!.state).toBe('Terminating:Wait');
    // The global limit, 100 × 60 s: heartbeats every 30 s keep it only that long.
    for (let t = 0; t < 210; t++) {
      clock.now += 30_000;
      await fleet.recordHeartbeat({ instanceId: b, groupName: 'g' }, DRAIN_HOOK_NAME);
    }
    expect(aws.instances.get(b)).toMatchObject({ state: 'Terminating:Proceed', completedAt: Date.UTC(2026, 10, 21, 12) + 6_000_000 });
  });

  test('SetInstanceHealth: within the grace period it is not acted on unless told not to respect it; Unhealthy replaces through the hook', async () => {
    const { aws, client, clock } = setup();
    const [young, old] = ids(2);
    aws.addInstance({ instanceId: young, groupName: 'g', launchedAt: clock.now - 60_000 });
    aws.addInstance({ instanceId: old, groupName: 'g', launchedAt: clock.now - 3_600_000 });
    aws.groups.get('g')!.healthCheckGracePeriodSeconds = 300;
    await client.send(new SetInstanceHealthCommand({ InstanceId: young, HealthStatus: 'Unhealthy' }));
    expect(aws.instances.get(young)!.state).toBe('InService');
    await client.send(new SetInstanceHealthCommand({ InstanceId: young, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }));
    await client.send(new SetInstanceHealthCommand({ InstanceId: old, HealthStatus: 'Unhealthy' }));
    for (const id of [young, old]) expect(aws.instances.get(id)).toMatchObject({ state: 'Terminating:Wait', healthStatus: 'Unhealthy', wait: { hookName: DRAIN_HOOK_NAME } });
    expect(aws.groups.get('g')!.desiredCapacity).toBe(2);
    await expect(client.send(new SetInstanceHealthCommand({ InstanceId: 'i-0fffffffffffffff0', HealthStatus: 'Unhealthy' }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  test('activities: in progress first, then newest; the signals adapter pages through warming launches and stops at the first finished one', async () => {
    const { aws, client, clock } = setup();
    const all = ids(160);
    // 40 launched long ago (Successful), then 120 recent ones: 110 still warming, 10 warm.
    all.forEach((id, k) => {
      const launchedAt = k < 40 ? clock.now - 86_400_000 + k * 1000 : clock.now - 200_000 + k * 1000;
      aws.addInstance({ instanceId: id, groupName: 'g', launchedAt, warmupEndsAt: k < 50 ? launchedAt : clock.now + 60_000 });
    });
    const page = await client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'g', MaxRecords: 100 }));
    const codes = page.Activities!.map((a) => a.StatusCode);
    expect(codes.every((c) => c === 'WaitingForInstanceWarmup')).toBe(true);
    const starts = page.Activities!.map((a) => a.StartTime!.getTime());
    expect(starts).toEqual([...starts].sort((x, y) => y - x));
    const before = aws.byOperation.get('DescribeScalingActivities')!;
    const warm = await new AutoScalingGroupStates(client).warm('g', all);
    expect(warm).toBe(160 - 110);
    // Two pages: the second ends the in-progress ones and reaches a finished activity, so no third.
    expect(aws.byOperation.get('DescribeScalingActivities')! - before).toBe(2);
  });
});
