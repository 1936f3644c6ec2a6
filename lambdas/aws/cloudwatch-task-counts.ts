import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { chunk } from '../controller/concurrency';
import { TaskReading } from '../domain/drain';
import { TaskCounts, TaskReadings, WaitingInstance } from '../ports';

/** GetMetricData takes at most 500 MetricDataQuery structures per call (CloudWatch API reference). */
export const QUERIES_PER_CALL = 500;

import { TaskMetricSettings } from '../domain/settings';

/** Which metric holds each instance's running-task count. */
export type TaskMetric = TaskMetricSettings;

/**
 * Running tasks from a per-instance CloudWatch metric (by default the agent's, with `InstanceId` and
 * `AutoScalingGroupName` dimensions), read for every instance in ceil(N / 500) calls. The Maximum statistic per period: a period
 * in which the worker ever reported work is busy.
 */
export class CloudWatchTaskCounts implements TaskCounts {
  readonly keepsHistory = true;

  constructor(
    private readonly client: CloudWatchClient,
    private readonly metric: TaskMetric,
  ) {}

  async read(instances: readonly WaitingInstance[], since: number, now: number): Promise<TaskReadings> {
    const out = new Map<string, { readings: TaskReading[] }>();
    // Start on a period boundary so the first datapoint is whole; GetMetricData rounds anyway.
    const periodMs = this.metric.periodSeconds * 1000;
    const start = new Date(Math.floor(since / periodMs) * periodMs);
    const end = new Date(now);
    for (const batch of chunk(instances, QUERIES_PER_CALL)) {
      const queries: MetricDataQuery[] = batch.map((instance, i) => ({
        Id: `q${i}`,
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: this.metric.namespace,
            MetricName: this.metric.metricName,
            Dimensions: [
              { Name: this.metric.instanceDimension, Value: instance.instanceId },
              ...(this.metric.groupDimension ? [{ Name: this.metric.groupDimension, Value: instance.groupName }] : []),
              ...Object.entries(this.metric.extraDimensions).map(([Name, Value]) => ({ Name, Value })),
            ],
          },
          Period: this.metric.periodSeconds,
          Stat: 'Maximum',
        },
      }));
      let token: string | undefined;
      do {
        const page = await this.client.send(
          new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending', NextToken: token }),
        );
        for (const result of page.MetricDataResults ?? []) {
          const instance = batch[Number(result.Id?.slice(1))];
          if (!instance) continue;
          const entry = out.get(instance.instanceId) ?? { readings: [] };
          (result.Timestamps ?? []).forEach((ts, k) => {
            const value = result.Values?.[k];
            // Stamped at its period's start: only periods that begin after the stop count towards idle.
            if (typeof value === 'number' && Number.isFinite(value) && value >= 0) entry.readings.push({ at: ts.getTime(), runningTasks: value });
          });
          out.set(instance.instanceId, entry);
        }
        token = page.NextToken;
      } while (token);
    }
    return out;
  }
}
