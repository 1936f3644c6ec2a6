/**
 * A worker forging another's per-instance signals (issue 35): what IAM still lets worker A write (its own
 * namespace, naming any InstanceId; the shared agent namespace) must change no decision about worker B.
 * Real adapters and handlers, over a CloudWatch stand-in that keeps what is put and answers GetMetricData
 * per namespace, metric, dimensions, period and statistic.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchTaskCounts } from '../../../lambdas/aws/cloudwatch-task-counts';
import { AutoScalingStragglerGroups, CloudWatchPressure } from '../../../lambdas/aws/stragglers';
import { DEFAULT_DRAIN_POLICY } from '../../../core/drain';
import { instanceNamespace } from '../../../core/instance-namespace';
import { AGENT_TASK_METRIC, ControllerSettings } from '../../../core/contract/lambda-settings';
import { DEFAULT_STRAGGLER_SETTINGS, PRESSURE_METRICS } from '../../../core/stragglers';
import { makeDrainSweepHandler } from '../../../lambdas/drain/sweep';
import { makeStragglerHandler } from '../../../lambdas/stragglers/handler';
import { MemoryDrainStore, MemoryFleet, MemoryLog, MemoryWorkerControl, TallyMetrics } from '../../../sim/memory-ports';

const BASE = 'GracefulAutoscaler/qa';
const ARN_PREFIX = 'arn:aws:ec2:eu-west-1:123456789012:instance/';
const GROUP = 'qa-adhoc-asg';
const ids = Array.from({ length: 8 }, (_, k) => `i-0aaaaaaaaaaaaaaa${k}`);
const [ATTACKER, VICTIM] = [ids[0], ids[5]];
/** Where IAM lets `id` write: its own namespace (names.workerMetricNamespaces). */
const own = (id: string) => instanceNamespace(BASE, ARN_PREFIX, id);

/** CloudWatch as far as these adapters use it: PutMetricData stored as sent, GetMetricData aggregated. */
function cloudWatchStandIn() {
  const cw = mockClient(CloudWatchClient);
  const stored: { namespace: string; datum: MetricDatum }[] = [];
  const key = (namespace: string, name: string, dims: readonly { Name?: string; Value?: string }[]) =>
    JSON.stringify([namespace, name, [...dims].sort((a, b) => a.Name!.localeCompare(b.Name!)).map((d) => [d.Name, d.Value])]);
  cw.on(PutMetricDataCommand).callsFake((input) => {
    for (const datum of input.MetricData) stored.push({ namespace: input.Namespace, datum });
    return {};
  });
  cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: input.MetricDataQueries!.map((q) => {
      const m = q.MetricStat!;
      const want = key(m.Metric!.Namespace!, m.Metric!.MetricName!, m.Metric!.Dimensions ?? []);
      const periodMs = m.Period! * 1000;
      const buckets = new Map<number, number[]>();
      for (const s of stored) {
        const at = s.datum.Timestamp!.getTime();
        if (key(s.namespace, s.datum.MetricName!, s.datum.Dimensions ?? []) !== want || at < input.StartTime!.getTime() || at >= input.EndTime!.getTime()) continue;
        const start = Math.floor(at / periodMs) * periodMs;
        buckets.set(start, [...(buckets.get(start) ?? []), s.datum.Value!]);
      }
      const periods = [...buckets.keys()].sort((a, b) => b - a);
      const stat = (v: number[]) => (m.Stat === 'Maximum' ? Math.max(...v) : v.reduce((a, b) => a + b, 0) / v.length);
      return { Id: q.Id, Timestamps: periods.map((t) => new Date(t)), Values: periods.map((t) => stat(buckets.get(t)!)) };
    }),
  }));
  const client = new CloudWatchClient({ region: 'eu-west-1' });
  const put = (namespace: string, data: MetricDatum[]) => client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }));
  return { cw, client, put };
}

const dims = (id: string) => [
  { Name: 'InstanceId', Value: id },
  { Name: 'AutoScalingGroupName', Value: GROUP },
];

describe('forged pressure: worker A cannot get worker B replaced as a straggler', () => {
  const NOW = Date.UTC(2026, 10, 21, 12, 0, 30);
  const W = DEFAULT_STRAGGLER_SETTINGS.windowMinutes;

  async function run(forge: (put: ReturnType<typeof cloudWatchStandIn>['put'], at: Date) => Promise<unknown>) {
    const { client, put } = cloudWatchStandIn();
    const asg = mockClient(AutoScalingClient);
    asg.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [{ AutoScalingGroupName: GROUP, DesiredCapacity: ids.length, Instances: ids.map((InstanceId) => ({ InstanceId, LifecycleState: 'InService', HealthStatus: 'Healthy' })) } as never],
    });
    asg.on(SetInstanceHealthCommand).resolves({});
    const endMs = Math.floor(NOW / 60_000) * 60_000;
    for (let m = W; m >= 1; m--) {
      const at = new Date(endMs - m * 60_000 + 20_000);
      // Every honest agent publishes its own pressure in its own namespace, as the agent does, and (as an
      // agent from before per-instance namespaces did, mid-rollout) in the shared one too.
      for (const [k, id] of ids.entries()) {
        for (const namespace of [own(id), BASE]) await put(namespace, [
          { MetricName: PRESSURE_METRICS.cpuSteal, Dimensions: dims(id), Timestamp: at, Value: 1 + ((k + m) % 3) / 2, Unit: 'Percent' },
          { MetricName: PRESSURE_METRICS.ioPressure, Dimensions: dims(id), Timestamp: at, Value: 9 + ((k * m) % 4), Unit: 'Percent' },
          { MetricName: AGENT_TASK_METRIC.metricName, Dimensions: dims(id), Timestamp: at, Value: 3, Unit: 'Count' },
        ]);
      }
      await forge(put, at);
    }
    const groups = new AutoScalingStragglerGroups(new AutoScalingClient({ region: 'eu-west-1' }));
    const handler = makeStragglerHandler({
      fleets: [{ fleet: 'adhoc', groupName: GROUP, replace: true, replaceDrainTimeoutSeconds: 3600, detector: DEFAULT_STRAGGLER_SETTINGS }],
      groups,
      pressure: new CloudWatchPressure(client, BASE, ARN_PREFIX),
      health: groups,
      store: new MemoryDrainStore(),
      publish: async () => undefined,
      log: new MemoryLog(),
      now: () => NOW,
    });
    const [outcome] = await handler();
    return { asg, outcome };
  }

  const steal = (id: string, at: Date): MetricDatum[] => [{ MetricName: PRESSURE_METRICS.cpuSteal, Dimensions: dims(id), Timestamp: at, Value: 100, Unit: 'Percent' }];

  test.each([
    ["in A's own namespace, naming B", (put: (ns: string, d: MetricDatum[]) => Promise<unknown>, at: Date) => put(own(ATTACKER), steal(VICTIM, at))],
    ['in the shared agent namespace, naming B', (put: (ns: string, d: MetricDatum[]) => Promise<unknown>, at: Date) => put(BASE, steal(VICTIM, at))],
  ])('CpuStealPercent=100 %s: no SetInstanceHealth for B', async (_where, forge) => {
    const { asg, outcome } = await run(forge);
    expect(asg).not.toHaveReceivedCommand(SetInstanceHealthCommand);
    expect(outcome.replaced).toBeUndefined();
  });

  test('the same steal from B itself, in its own namespace, is found: the detector is live in this setup', async () => {
    const { asg } = await run((put, at) => put(own(VICTIM), steal(VICTIM, at)));
    expect(asg).toHaveReceivedCommandWith(SetInstanceHealthCommand, { InstanceId: VICTIM, HealthStatus: 'Unhealthy' });
  });
});

describe('forged task counts: worker A cannot end busy worker B\'s drain, nor hold it past its deadline', () => {
  const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
  const metric = { ...AGENT_TASK_METRIC, namespace: BASE, instanceArnPrefix: ARN_PREFIX };
  const settings: ControllerSettings = {
    hookName: 'graceful-autoscaler-drain',
    groups: { [GROUP]: { fleet: 'adhoc', drainTimeoutSeconds: 600, heartbeatTimeoutSeconds: 720, shutdownGraceSeconds: 0 } },
    policy: DEFAULT_DRAIN_POLICY,
    writeConcurrency: 4,
    stopClaimSeconds: 60,
    taskSource: metric,
    workerControl: { kind: 'ssm', commands: ['true'] },
  };

  function setup() {
    let now = T0;
    const fleet = new MemoryFleet(() => now);
    fleet.launch(VICTIM, GROUP);
    fleet.launch(ATTACKER, GROUP);
    fleet.beginTermination(VICTIM, 720);
    const cw = cloudWatchStandIn();
    const deps = {
      fleet,
      store: new MemoryDrainStore(),
      taskCounts: new CloudWatchTaskCounts(cw.client, metric),
      workerControl: new MemoryWorkerControl('ssm'),
      metrics: new TallyMetrics(),
      log: new MemoryLog(),
      settings,
      now: () => now,
    };
    return { deps, ...cw, at: (t: number) => (now = t) };
  }

  const count = (id: string, at: number, value: number): MetricDatum[] => [{ MetricName: metric.metricName, Dimensions: dims(id), Timestamp: new Date(at), Value: value, Unit: 'Count', StorageResolution: 1 }];

  test('RunningTasks=0 for B, from A, in either namespace A may write: B is never completed as idle, and is forced at its deadline', async () => {
    const { deps, put, at } = setup();
    const sweep = makeDrainSweepHandler(deps);
    await sweep();
    expect(deps.workerControl.stops.get(VICTIM)).toBe(1);
    for (let t = T0 + 10_000; t < T0 + 600_000; t += 10_000) {
      await put(own(VICTIM), count(VICTIM, t, 4)); // B's own agent: busy all along
      await put(own(ATTACKER), count(VICTIM, t, 0)); // A's forgeries
      await put(BASE, count(VICTIM, t, 0));
      if (t % 60_000 === 0) {
        at(t + 5_000);
        const summary = await sweep();
        expect(summary.finished.has(VICTIM)).toBe(false);
        expect(deps.fleet.instances.get(VICTIM)!.state).toBe('Terminating:Wait');
      }
    }
    at(T0 + 600_000);
    expect((await sweep()).finished.get(VICTIM)).toBe('forced');
  });

  test('a non-zero count, even in B\'s own namespace, never holds B past its deadline', async () => {
    const { deps, put, at } = setup();
    const sweep = makeDrainSweepHandler(deps);
    await sweep();
    for (let t = T0 + 10_000; t <= T0 + 600_000; t += 10_000) await put(own(VICTIM), count(VICTIM, t, 7));
    at(T0 + 600_000);
    expect((await sweep()).finished.get(VICTIM)).toBe('forced');
  });

  test('B\'s own zeros complete it: the path is live in this setup', async () => {
    const { deps, put, at } = setup();
    const sweep = makeDrainSweepHandler(deps);
    await sweep();
    const stoppedAt = deps.store.active.get(VICTIM)!.stopSentAt!;
    for (let k = 1; k <= 3; k++) await put(own(VICTIM), count(VICTIM, stoppedAt + k * 10_000, 0));
    at(stoppedAt + 40_000);
    expect((await sweep()).finished.get(VICTIM)).toBe('idle');
  });
});
