/**
 * The real adapters in lambdas/aws against moto, an independent AWS emulator: request shapes, batching,
 * pagination, conditional writes and error mapping as a second implementation of the APIs sees them.
 * moto implements neither lifecycle completion nor Terminating:Wait, nor the whole-call rejections of
 * SetInstanceProtection and SendCommand: those are held to the faithful model (model-adapters.test.ts).
 */
import { AutoScalingClient, CreateAutoScalingGroupCommand, DeleteWarmPoolCommand, PutWarmPoolCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateLaunchTemplateCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AutoScalingAdmin } from '../../../lambdas/aws/auto-scaling-admin';
import { AutoScalingFleet } from '../../../lambdas/aws/auto-scaling-fleet';
import { CloudWatchTaskCounts } from '../../../lambdas/aws/cloudwatch-task-counts';
import { DynamoRuntimeHistory } from '../../../lambdas/aws/dynamo-runtimes';
import { CodeDeployDeployments } from '../../../lambdas/aws/codedeploy-deployments';
import { AutoScalingGroupSettings } from '../../../lambdas/aws/group-settings';
import { DRAIN_SHARDS, DynamoDrainStore } from '../../../lambdas/aws/dynamo-drain-store';
import { Ec2InstanceDetails } from '../../../lambdas/aws/ec2-instance-details';
import { SqsDeadLetters } from '../../../lambdas/aws/sqs-dead-letters';
import { SsmWorkerControl } from '../../../lambdas/aws/ssm-worker-control';
import { AutoScalingStragglerGroups, CloudWatchPressure, CloudWatchStragglerFindings, publishStragglerMetrics } from '../../../lambdas/aws/stragglers';
import { BOTTLENECKED_MINUTES_METRIC, PRESSURE_METRICS } from '../../../core/stragglers';
import { AGENT_TASK_METRIC } from '../../../core/contract/lambda-settings';
import { DrainRecord } from '../../../core/ports';
import { instanceNamespace } from '../../../core/instance-namespace';
import { Readable } from 'node:stream';
import { Moto, motoInstalled, startMoto } from '../../../testing/moto-server';

// Every test here talks to a moto subprocess, whose first call to a service loads that service's backend
// (over a second idle, several on a loaded 2-core machine): Jest's 5 s default failed a green DynamoDB
// test in one CI run. The limit only guards against a hang; nothing here is timed.
jest.setTimeout(60_000);

const ARN_PREFIX = 'arn:aws:ec2:eu-west-1:123456789012:instance/';
const run = motoInstalled() || process.env.GA_REQUIRE_MOTO ? describe : describe.skip;
if (!motoInstalled() && !process.env.GA_REQUIRE_MOTO) console.warn('moto_server not installed: the moto adapter suite is skipped (CI requires it)');

run('adapters against moto', () => {
  let moto: Moto;
  let groupInstances: Record<string, string[]> = {};
  const GROUPS = ['fleet-a-asg', 'fleet-b-asg'];

  beforeAll(async () => {
    moto = (await startMoto())!;
    const ec2 = new EC2Client(moto.client);
    const asg = new AutoScalingClient(moto.client);
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images![0].ImageId!;
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'workers', LaunchTemplateData: { ImageId: image, InstanceType: 'm7i.large' } }));
    for (const name of GROUPS) {
      await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchTemplate: { LaunchTemplateName: 'workers' }, MinSize: 1, MaxSize: 6, DesiredCapacity: 3, AvailabilityZones: ['eu-west-1a'] }));
    }
    const admin = new AutoScalingAdmin(asg);
    groupInstances = Object.fromEntries((await admin.describeGroups(GROUPS)).map((g) => [g.groupName, g.instances.map((i) => i.instanceId)]));
  }, 60_000);
  afterAll(() => moto?.stop());

  test('Auto Scaling: groups described in one call, instances mapped to their groups, protection set and read back', async () => {
    const admin = new AutoScalingAdmin(new AutoScalingClient(moto.client));
    const groups = await admin.describeGroups([...GROUPS, 'not-a-group']);
    expect(groups.map((g) => [g.groupName, g.instances.length, g.desiredCapacity])).toEqual([
      ['fleet-a-asg', 3, 3],
      ['fleet-b-asg', 3, 3],
    ]);
    const ids = Object.values(groupInstances).flat();
    const where = await admin.groupsOf(ids);
    expect([...where.values()].map((w) => w.lifecycleState)).toEqual(Array(6).fill('InService'));
    expect(where.get(groupInstances['fleet-b-asg'][0])?.groupName).toBe('fleet-b-asg');
    const out = await admin.setScaleInProtection('fleet-a-asg', groupInstances['fleet-a-asg'], true);
    expect(out.skipped).toEqual([]);
    const [a] = await admin.describeGroups(['fleet-a-asg']);
    expect(a.newInstancesProtected).toBe(true);
    expect(a.instances.every((i) => i.protectedFromScaleIn)).toBe(true);
    await admin.setScaleInProtection('fleet-a-asg', groupInstances['fleet-a-asg'], false);
    expect((await admin.describeGroups(['fleet-a-asg']))[0].instances.some((i) => i.protectedFromScaleIn)).toBe(false);
  });

  test('Auto Scaling: adoption reads a warm pool\'s reuse policy from DescribeWarmPool, and no pool as none', async () => {
    const asg = new AutoScalingClient(moto.client);
    const settings = new AutoScalingGroupSettings(asg);
    expect((await settings.describe('fleet-b-asg'))!.warmPool).toBeUndefined();
    await asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'fleet-b-asg', MinSize: 1, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: true } }));
    expect((await settings.describe('fleet-b-asg'))!.warmPool).toEqual({ reuseOnScaleIn: true });
    await asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'fleet-b-asg', MinSize: 1, PoolState: 'Stopped' }));
    expect((await settings.describe('fleet-b-asg'))!.warmPool).toEqual({ reuseOnScaleIn: false });
    await asg.send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'fleet-b-asg', ForceDelete: true }));
    expect((await settings.describe('fleet-b-asg'))!.warmPool).toBeUndefined();
  });

  test('Auto Scaling: no instance waits in moto, so the controller\'s reads find none and fail on nothing', async () => {
    const fleet = new AutoScalingFleet(new AutoScalingClient(moto.client));
    expect(await fleet.listWaitingInstances(GROUPS)).toEqual([]);
    const ids = Object.entries(groupInstances).flatMap(([groupName, ids]) => ids.map((instanceId) => ({ instanceId, groupName })));
    expect(await fleet.filterWaiting(ids)).toEqual([]);
    expect((await fleet.terminationStartTimes(ids)).size).toBe(0);
  });

  test('EC2: one unknown id fails moto\'s whole DescribeInstances too; the adapter drops it and describes the rest', async () => {
    const details = new Ec2InstanceDetails(new EC2Client(moto.client));
    const ids = Object.values(groupInstances).flat();
    const out = await details.describe([...ids, 'i-0123456789abcdef0']);
    expect([...out.keys()].sort()).toEqual([...ids].sort());
    expect([...out.values()].every((d) => /^\d+\.\d+\.\d+\.\d+$/.test(d.privateIp ?? '') && typeof d.launchedAt === 'number')).toBe(true);
  });

  test('SSM: the stop reaches every instance of a batch', async () => {
    const control = new SsmWorkerControl(new SSMClient(moto.client), ['systemctl stop worker']);
    const ids = groupInstances['fleet-b-asg'];
    const reached = await control.requestStop(ids.map((instanceId) => ({ instanceId, groupName: 'fleet-b-asg' })));
    expect([...reached].sort()).toEqual([...ids].sort());
  });

  test('CloudWatch: the agent\'s RunningTasks datapoints are read back per instance; missing is not zero', async () => {
    const cw = new CloudWatchClient(moto.client);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const [busy, idle, silent] = Object.values(groupInstances).flat();
    for (const [id, value] of [[busy, 3], [idle, 0]] as const) {
      await cw.send(new PutMetricDataCommand({
        Namespace: AGENT_TASK_METRIC.namespace,
        MetricData: [0, 1, 2].map((k) => ({ MetricName: AGENT_TASK_METRIC.metricName, Dimensions: [{ Name: 'InstanceId', Value: id }, { Name: 'AutoScalingGroupName', Value: 'fleet-a-asg' }], Timestamp: new Date(now - 120_000 + k * 10_000), Value: value, StorageResolution: 1 })),
      }));
    }
    const counts = new CloudWatchTaskCounts(cw, AGENT_TASK_METRIC);
    const out = await counts.read([busy, idle, silent].map((instanceId) => ({ instanceId, groupName: 'fleet-a-asg' })), now - 600_000, now);
    expect(out.get(busy)?.readings.map((r) => r.runningTasks)).toEqual([3, 3, 3]);
    expect(out.get(idle)?.readings.map((r) => r.runningTasks)).toEqual([0, 0, 0]);
    expect(out.get(silent)?.readings ?? []).toEqual([]);
  });

  test('stragglers: pressure read back per instance into its minute, findings published and read by the termination policy, SetInstanceHealth taken by Auto Scaling', async () => {
    const cw = new CloudWatchClient(moto.client);
    const asg = new AutoScalingClient(moto.client);
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const [slow, normal, silent] = groupInstances['fleet-b-asg'];
    const dims = (id: string) => [{ Name: 'InstanceId', Value: id }, { Name: 'AutoScalingGroupName', Value: 'fleet-b-asg' }];
    // Three minutes of steal at 10 s, the last one missing for `normal`; RunningTasks as the load.
    for (const [id, steal] of [[slow, 40], [normal, 1]] as const) {
      const minutes = id === normal ? [3, 2] : [3, 2, 1];
      // Each agent writes its own instance's namespace: the only one its role may (docs/security.md).
      await cw.send(new PutMetricDataCommand({
        Namespace: instanceNamespace('GracefulAutoscaler/qa', ARN_PREFIX, id),
        MetricData: minutes.flatMap((m) => [0, 20, 40].flatMap((s) => [
          { MetricName: PRESSURE_METRICS.cpuSteal, Dimensions: dims(id), Timestamp: new Date(end - m * 60_000 + s * 1000), Value: steal + s / 20, Unit: 'Percent' as const },
          { MetricName: AGENT_TASK_METRIC.metricName, Dimensions: dims(id), Timestamp: new Date(end - m * 60_000 + s * 1000), Value: 4, Unit: 'Count' as const },
        ])),
      }));
    }
    const pressure = await new CloudWatchPressure(cw, 'GracefulAutoscaler/qa', ARN_PREFIX).read('fleet-b-asg', [slow, normal, silent], end, 4);
    expect(pressure.get(slow)!.cpuSteal).toEqual([null, 41, 41, 41]);
    expect(pressure.get(normal)!.cpuSteal).toEqual([null, 2, 2, null]);
    expect(pressure.get(normal)!.load).toEqual([null, 4, 4, null]);
    expect(pressure.get(silent)!.cpuSteal).toEqual([null, null, null, null]);

    await publishStragglerMetrics(cw, 'GracefulAutoscaler/qa/signals', [
      { name: BOTTLENECKED_MINUTES_METRIC, fleet: 'b', value: 31, unit: 'Count', instance: { instanceId: slow, groupName: 'fleet-b-asg' } },
      { name: 'Stragglers', fleet: 'b', value: 1, unit: 'Count' },
    ], new Date(end - 30_000));
    const findings = await new CloudWatchStragglerFindings(cw, 'GracefulAutoscaler/qa/signals').read('fleet-b-asg', [slow, normal], end - 1000);
    expect([...findings]).toEqual([[slow, 31]]);

    const groups = new AutoScalingStragglerGroups(asg);
    await groups.markUnhealthy(slow);
    const group = (await groups.describe(['fleet-b-asg'])).get('fleet-b-asg')!;
    expect(group.instances.find((i) => i.instanceId === slow)?.healthStatus).toBe('Unhealthy');
    expect(group.instances.find((i) => i.instanceId === normal)?.healthStatus).toBe('Healthy');
  });

  test('DynamoDB: conditional and transactional writes of the drain store, as moto evaluates them', async () => {
    const ddb = new DynamoDBClient(moto.client);
    await ddb.send(new CreateTableCommand({
      TableName: 'drains',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }));
    const store = new DynamoDrainStore(ddb, 'drains');
    const ids = Array.from({ length: 40 }, (_, k) => `i-0${k.toString(16).padStart(16, '0')}`);
    const record = (instanceId: string): DrainRecord => ({ instanceId, groupName: 'g', fleet: 'etl', waitStartedAt: 1000, deadlineAt: 601_000, hookExpiresAt: 721_000, heartbeatTimeoutSeconds: 720, heartbeats: 0, readings: [] });
    for (const id of ids) await expect(store.claimFirstSeen(record(id))).resolves.toMatchObject({ waitStartedAt: 1000 });
    // The loser of a first-sight race gets the stored record back.
    await expect(store.claimFirstSeen({ ...record(ids[0]), waitStartedAt: 5 })).resolves.toMatchObject({ waitStartedAt: 1000 });
    expect((await store.listActive()).length).toBe(40);
    await expect(store.claimStop(ids[0], 10, 70)).resolves.toBe(true);
    await expect(store.claimStop(ids[0], 20, 80)).resolves.toBe(false);
    await store.markStopSent(ids[0], 20);
    await expect(store.claimStop(ids[0], 100, 160)).resolves.toBe(false);
    await expect(store.markDrained(ids[0], 30, 'coordinator')).resolves.toBe(true);
    await expect(store.markDrained(ids[0], 31, 'exited')).resolves.toBe(false);
    await store.recordHeartbeat(ids[1], 40, 760_000);
    await store.saveReadings(ids[1], [{ at: 40, runningTasks: 2 }]);
    await expect(store.setDeadline(ids[1], 900_000)).resolves.toBe(true);
    const one = (await store.listActive()).find((r) => r.instanceId === ids[1]);
    expect(one).toMatchObject({ heartbeats: 1, hookExpiresAt: 760_000, deadlineAt: 900_000, readings: [{ at: 40, runningTasks: 2 }] });
    // The automated callers only ever move it later: an earlier or equal deadline (decided on a read taken
    // before an operator's longer extension) is refused by the condition, a later one is written.
    await expect(store.setDeadline(ids[1], 800_000, true)).resolves.toBe(false);
    await expect(store.setDeadline(ids[1], 900_000, true)).resolves.toBe(false);
    await expect(store.setDeadline(ids[1], 950_000, true)).resolves.toBe(true);
    // The extend-drain runbook may shorten.
    await expect(store.setDeadline(ids[1], 900_000)).resolves.toBe(true);
    // The run-time histories share the table under their own partition, never listed as drains.
    const runtimes = new DynamoRuntimeHistory(ddb, 'drains');
    await expect(runtimes.load('adhoc')).resolves.toBeUndefined();
    await runtimes.save('adhoc', { history: { v: 1, all: [1.5, 300], long: [300], sig: { abc: [300] } }, readUntilMs: 123 });
    await expect(runtimes.load('adhoc')).resolves.toEqual({ history: { v: 1, all: [1.5, 300], long: [300], sig: { abc: [300] } }, readUntilMs: 123 });
    expect((await store.listActive()).some((r) => r.instanceId === 'adhoc')).toBe(false);
    await expect(store.finish(record(ids[0]), { outcome: 'drained', completedAt: Date.UTC(2026, 10, 21) })).resolves.toBe(true);
    await expect(store.finish(record(ids[0]), { outcome: 'idle', completedAt: Date.UTC(2026, 10, 21) })).resolves.toBe(false);
    // A completed drain stays completed: its tombstone refuses a second first sight.
    await expect(store.claimFirstSeen(record(ids[0]))).resolves.toBeUndefined();
    await expect(store.setDeadline(ids[0], 1)).resolves.toBe(false);
    expect((await store.listActive()).length).toBe(39);
    expect(DRAIN_SHARDS).toBeGreaterThan(1);
    // Holds: a deployment that ended cannot hold again.
    const hold = { groupName: 'g', holder: 'deployment:d-A1B2C3D4E', reason: 'deploy', requestedBy: 'codedeploy', since: 1, until: 2 };
    await expect(store.putHold(hold)).resolves.toBe(true);
    expect(await store.listHolds()).toEqual([hold]);
    await expect(store.removeHold('g', hold.holder, true)).resolves.toBe(true);
    await expect(store.putHold(hold)).resolves.toBe(false);
    await expect(store.removeHold('g', 'operator')).resolves.toBe(false);
    expect(await store.listHolds()).toEqual([]);
  });

  test('SQS: a malformed event reaches the dead-letter queue with its reason', async () => {
    const sqs = new SQSClient(moto.client);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'events-dlq' }));
    await new SqsDeadLetters(sqs, QueueUrl!).send('{"not":"an event"}', 'source is undefined, expected "aws.autoscaling"');
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'], MaxNumberOfMessages: 10 }));
    expect(got.Messages?.map((m) => [m.Body, m.MessageAttributes?.reason?.StringValue])).toEqual([['{"not":"an event"}', 'source is undefined, expected "aws.autoscaling"']]);
  });

  test('CodeDeploy: a deployment created for a fleet is read back with its application and group', async () => {
    const cd = new CodeDeployClient(moto.client);
    // moto bug, worked around here and never in the product: GetDeployment answers createTime as an ISO
    // string where the API (and the SDK) has epoch seconds. Rewrite it in the raw response, before the
    // SDK deserializes it.
    cd.middlewareStack.add(
      (next: any) => async (args: any) => {
        const out = await next(args);
        const body = out.response?.body;
        if (body && typeof body[Symbol.asyncIterator] === 'function') {
          let text = '';
          for await (const chunk of body) text += Buffer.from(chunk).toString('utf8');
          text = text.replace(/"(createTime|startTime|completeTime)": "([^"]+)"/g, (_m: string, k: string, v: string) => `"${k}": ${Date.parse(v) / 1000}`);
          out.response.body = Readable.from([Buffer.from(text)]);
        }
        return out;
      },
      { step: 'deserialize', priority: 'low', name: 'motoCreateTimeWorkaround' },
    );
    await cd.send(new CreateApplicationCommand({ applicationName: 'etl-app', computePlatform: 'Server' }));
    await cd.send(new CreateDeploymentGroupCommand({ applicationName: 'etl-app', deploymentGroupName: 'etl-dg', serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy', autoScalingGroups: ['fleet-a-asg'] }));
    const deployments = new CodeDeployDeployments(cd);
    const id = await deployments.create('etl-app', 'etl-dg', { bucket: 'revisions', key: 'worker-1.4.2.zip', bundleType: 'zip' }, 'test');
    const view = await deployments.get(id);
    expect(view).toMatchObject({ deploymentId: id, applicationName: 'etl-app', deploymentGroupName: 'etl-dg' });
    expect(typeof view.status).toBe('string');
    expect(typeof view.createTime).toBe('number');
  });
});
