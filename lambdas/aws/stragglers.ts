/**
 * The AWS side of straggler detection: the groups and their instances' health from Auto Scaling, the
 * agents' pressure and running tasks from CloudWatch, SetInstanceHealth, and PutMetricData of what was
 * found; and, for the termination policy, each instance's BottleneckedMinutes.
 */
import { AutoScalingClient, SetInstanceHealthCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { chunk } from '../../core/util/concurrency';
import { AGENT_TASK_METRIC } from '../../core/contract/lambda-settings';
import { STRAGGLER_RUN_MINUTES } from '../../core/contract/metrics';
import { BOTTLENECKED_MINUTES_METRIC, PRESSURE_METRICS, PRESSURE_RESOURCES, PressureResource, WorkerPressure } from '../../core/stragglers';
import { InstanceHealth, PressureSource, StragglerDatapoint, StragglerFindings, StragglerGroup, StragglerGroups } from '../../core/ports';
import { instanceNamespace } from '../../core/instance-namespace';
import { describeGroups } from './auto-scaling-fleet';
import { QUERIES_PER_CALL } from './cloudwatch-task-counts';
import { DATUMS_PER_CALL } from './scaling-signals';

const MINUTE = 60_000;

export class AutoScalingStragglerGroups implements StragglerGroups, InstanceHealth {
  constructor(private readonly client: AutoScalingClient) {}

  async describe(groupNames: readonly string[]): Promise<Map<string, StragglerGroup>> {
    const out = new Map<string, StragglerGroup>();
    for (const g of await describeGroups(this.client, groupNames)) {
      out.set(g.AutoScalingGroupName!, {
        groupName: g.AutoScalingGroupName!,
        desiredCapacity: g.DesiredCapacity ?? 0,
        instances: (g.Instances ?? []).map((i) => ({ instanceId: i.InstanceId ?? '', lifecycleState: i.LifecycleState ?? '', healthStatus: i.HealthStatus ?? '' })),
      });
    }
    return out;
  }

  /**
   * Unhealthy, respecting the group's health check grace period: a worker still starting is left alone.
   * Inside the grace period Auto Scaling refuses the whole call with ValidationError ("The age of the
   * instance (N seconds) is less than the configured grace period of M seconds"); the handler counts
   * that minute as deferred and judges again the next.
   */
  async markUnhealthy(instanceId: string): Promise<void> {
    await this.client.send(new SetInstanceHealthCommand({ InstanceId: instanceId, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: true }));
  }
}

/**
 * Per instance, the 1-minute Average of each pressure metric and of RunningTasks over the window: six
 * queries an instance, so 83 instances a GetMetricData call (500 queries, CloudWatch API reference).
 * Each instance's from its own namespace (`<namespace>/<its ARN>`), the only one its credentials may
 * write: a worker cannot get another marked a straggler by publishing pressure in its name.
 */
export class CloudWatchPressure implements PressureSource {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
    private readonly instanceArnPrefix: string,
  ) {}

  async read(groupName: string, instanceIds: readonly string[], endMs: number, minutes: number): Promise<Map<string, WorkerPressure>> {
    const start = endMs - minutes * MINUTE;
    const names: [PressureResource | 'load', string][] = [...PRESSURE_RESOURCES.map((r): [PressureResource, string] => [r, PRESSURE_METRICS[r]]), ['load', AGENT_TASK_METRIC.metricName]];
    const out = new Map<string, Record<string, (number | null)[]>>(instanceIds.map((id) => [id, Object.fromEntries(names.map(([key]) => [key, new Array<number | null>(minutes).fill(null)]))]));
    const queries: { query: MetricDataQuery; instanceId: string; key: string }[] = instanceIds.flatMap((instanceId, i) =>
      names.map(([key, metricName], j) => ({
        instanceId,
        key,
        query: {
          Id: `q${i}_${j}`,
          ReturnData: true,
          MetricStat: {
            Metric: {
              Namespace: instanceNamespace(this.namespace, this.instanceArnPrefix, instanceId),
              MetricName: metricName,
              Dimensions: [{ Name: 'InstanceId', Value: instanceId }, { Name: 'AutoScalingGroupName', Value: groupName }],
            },
            Period: 60,
            Stat: 'Average',
          },
        },
      })),
    );
    const byId = new Map(queries.map((q) => [q.query.Id!, q]));
    for (const batch of chunk(queries, QUERIES_PER_CALL)) {
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new GetMetricDataCommand({ MetricDataQueries: batch.map((q) => q.query), StartTime: new Date(start), EndTime: new Date(endMs), NextToken: token }),
        );
        for (const r of page.MetricDataResults ?? []) {
          const q = byId.get(r.Id ?? '');
          if (!q) continue;
          (r.Timestamps ?? []).forEach((ts, k) => {
            const m = Math.round((ts.getTime() - start) / MINUTE);
            const v = r.Values?.[k];
            if (m >= 0 && m < minutes && typeof v === 'number' && Number.isFinite(v)) out.get(q.instanceId)![q.key][m] = v;
          });
        }
        token = page.NextToken;
      } while (token);
    }
    return out as Map<string, WorkerPressure>;
  }
}

/** Fleet figures by Fleet; per-instance ones by InstanceId and AutoScalingGroupName, as the termination policy reads them. */
export async function publishStragglerMetrics(client: CloudWatchClient, namespace: string, datapoints: readonly StragglerDatapoint[], at: Date): Promise<void> {
  const data: MetricDatum[] = datapoints.map((d) => ({
    MetricName: d.name,
    Dimensions: d.instance
      ? [
          { Name: 'InstanceId', Value: d.instance.instanceId },
          { Name: 'AutoScalingGroupName', Value: d.instance.groupName },
        ]
      : [{ Name: 'Fleet', Value: d.fleet }],
    Value: d.value,
    Unit: d.unit,
    Timestamp: at,
  }));
  for (const batch of chunk(data, DATUMS_PER_CALL)) await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
}

/**
 * How far back the termination policy looks for findings: one straggler run's period and two minutes for
 * a late or slow run. Older findings are of a previous run, no longer what the detector believes.
 */
export const FINDINGS_MAX_AGE_MINUTES = STRAGGLER_RUN_MINUTES + 2;

/** The straggler function's newest BottleneckedMinutes per instance (within FINDINGS_MAX_AGE_MINUTES), for the termination policy. */
export class CloudWatchStragglerFindings implements StragglerFindings {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
  ) {}

  async read(groupName: string, instanceIds: readonly string[], now: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const end = Math.floor(now / MINUTE) * MINUTE + MINUTE;
    for (const batch of chunk(instanceIds, QUERIES_PER_CALL)) {
      const queries: MetricDataQuery[] = batch.map((instanceId, i) => ({
        Id: `b${i}`,
        ReturnData: true,
        MetricStat: {
          Metric: { Namespace: this.namespace, MetricName: BOTTLENECKED_MINUTES_METRIC, Dimensions: [{ Name: 'InstanceId', Value: instanceId }, { Name: 'AutoScalingGroupName', Value: groupName }] },
          Period: 60,
          Stat: 'Maximum',
        },
      }));
      const page = await this.client.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(end - FINDINGS_MAX_AGE_MINUTES * MINUTE), EndTime: new Date(end), ScanBy: 'TimestampDescending' }));
      for (const r of page.MetricDataResults ?? []) {
        const id = batch[Number(r.Id?.slice(1))];
        const newest = r.Values?.[0];
        if (id !== undefined && typeof newest === 'number' && Number.isFinite(newest)) out.set(id, newest);
      }
    }
    return out;
  }
}
