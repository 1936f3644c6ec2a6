import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { chunk } from '../../core/util/concurrency';
import { TaskReading } from '../../core/drain';
import { TaskCounts, TaskReadings, WaitingInstance } from '../../core/ports';

/** GetMetricData takes at most 500 MetricDataQuery structures per call (CloudWatch API reference). */
export const QUERIES_PER_CALL = 500;

import { TaskMetricSettings } from '../../core/contract/lambda-settings';
import { instanceNamespace } from '../../core/instance-namespace';

/** Which metric holds each instance's running-task count. */
export type TaskMetric = TaskMetricSettings;

/**
 * Running tasks from a per-instance CloudWatch metric (by default the agent's, with `InstanceId` and
 * `AutoScalingGroupName` dimensions), read for every instance in ceil(N / 500) calls. The Maximum statistic per period: a period
 * in which the worker ever reported work is busy. Asked for task ages, and with an `ageMetricName`, it reads
 * that metric too (Maximum, same dimensions and period): two queries per instance, ceil(N / 250) calls.
 * An age attaches to the count of the same period; a period with an age and no count is dropped.
 * With an `instanceArnPrefix` (the agent's metric) each instance is read from its own namespace only, the
 * one its credentials may write: a datapoint another worker forged about it is never seen (docs/security.md).
 */
export class CloudWatchTaskCounts implements TaskCounts {
  readonly keepsHistory = true;

  constructor(
    private readonly client: CloudWatchClient,
    private readonly metric: TaskMetric,
  ) {}

  async read(instances: readonly WaitingInstance[], since: number, now: number, options?: { readonly taskAges?: boolean }): Promise<TaskReadings> {
    const out = new Map<string, { readings: TaskReading[] }>();
    const ageMetric = options?.taskAges ? this.metric.ageMetricName : undefined;
    const perInstance = ageMetric ? 2 : 1;
    // Start on a period boundary so the first datapoint is whole; GetMetricData rounds anyway.
    const periodMs = this.metric.periodSeconds * 1000;
    const start = new Date(Math.floor(since / periodMs) * periodMs);
    const end = new Date(now);
    const query = (id: string, metricName: string, instance: WaitingInstance): MetricDataQuery => ({
      Id: id,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: this.metric.instanceArnPrefix === undefined ? this.metric.namespace : instanceNamespace(this.metric.namespace, this.metric.instanceArnPrefix, instance.instanceId),
          MetricName: metricName,
          Dimensions: [
            { Name: this.metric.instanceDimension, Value: instance.instanceId },
            ...(this.metric.groupDimension ? [{ Name: this.metric.groupDimension, Value: instance.groupName }] : []),
            ...Object.entries(this.metric.extraDimensions).map(([Name, Value]) => ({ Name, Value })),
          ],
        },
        Period: this.metric.periodSeconds,
        Stat: 'Maximum',
      },
    });
    for (const batch of chunk(instances, Math.floor(QUERIES_PER_CALL / perInstance))) {
      const queries: MetricDataQuery[] = batch.flatMap((instance, i) => [
        query(`q${i}`, this.metric.metricName, instance),
        ...(ageMetric ? [query(`a${i}`, ageMetric, instance)] : []),
      ]);
      const ages = new Map<string, Map<number, number>>();
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending', NextToken: token }),
        );
        for (const result of page.MetricDataResults ?? []) {
          const instance = batch[Number(result.Id?.slice(1))];
          if (!instance) continue;
          const isAge = result.Id?.startsWith('a');
          const entry = out.get(instance.instanceId) ?? { readings: [] };
          const instanceAges = ages.get(instance.instanceId) ?? new Map<number, number>();
          (result.Timestamps ?? []).forEach((ts, k) => {
            const value = result.Values?.[k];
            if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return;
            if (isAge) instanceAges.set(ts.getTime(), value);
            // Stamped at its period's start: only periods that begin after the stop count towards idle.
            else entry.readings.push({ at: ts.getTime(), runningTasks: value });
          });
          if (isAge) ages.set(instance.instanceId, instanceAges);
          else out.set(instance.instanceId, entry);
        }
        token = page.NextToken;
      } while (token);
      // Pages may hold either metric first: ages attach once the batch is complete.
      for (const [id, byPeriod] of ages) {
        const entry = out.get(id);
        if (!entry) continue;
        entry.readings = entry.readings.map((r) => (byPeriod.has(r.at) ? { ...r, oldestTaskAgeSeconds: byPeriod.get(r.at)! } : r));
      }
    }
    return out;
  }
}
