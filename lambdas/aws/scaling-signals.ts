/**
 * The AWS side of the scaling signals: the groups from Auto Scaling, the CPU history and our own last
 * queue reading from CloudWatch, the coordinator over HTTP inside the VPC, and PutMetricData.
 */
import { Activity, AutoScalingClient, DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery, MetricDatum, PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { chunk } from '../../core/util/concurrency';
import { SignalsFleet } from '../../core/contract/signals-settings';
import { GroupState, MetricHistory, SignalDatapoint, SignalGroups, SignalHistory } from '../../core/ports';
import { QUEUED_METRIC } from '../../core/contract/metrics';
import { JsonLimits } from '../../core/untrusted-json';
import { describeGroups } from './auto-scaling-fleet';
import { QUERIES_PER_CALL } from './cloudwatch-task-counts';
import { discard, fetchNoRedirect, readUntrustedJson } from '../../runtime/untrusted-http';

/** PutMetricData takes at most 1,000 metrics a request (CloudWatch API reference, PutMetricData). */
export const DATUMS_PER_CALL = 1000;

/**
 * How old a datapoint may be and still count. EC2's 1-minute CPU lands a minute or two after its minute;
 * our QueuedQueries of the last run (a minute ago) sits in the minute before the current one, or the one
 * before that when the runs drift across a boundary.
 */
const CPU_FRESH_MINUTES = 3;
const QUEUE_FRESH_MINUTES = 2;

const LAUNCHING = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed']);
const COUNTED = new Set([...LAUNCHING, 'InService']);

/** A launch whose instance is in service but not yet counted in the group's metrics (Activity.StatusCode). */
const WARMING_UP = 'WaitingForInstanceWarmup';
/** The end states of an activity; every other status is still in progress. */
const FINISHED = new Set(['Successful', 'Failed', 'Cancelled']);
/** DescribeScalingActivities returns at most 100 activities a page (API reference, MaxRecords). */
const ACTIVITIES_PER_CALL = 100;

export class AutoScalingGroupStates implements SignalGroups {
  constructor(private readonly client: AutoScalingClient) {}

  async describe(groupNames: readonly string[]): Promise<Map<string, GroupState>> {
    const out = new Map<string, GroupState>();
    for (const g of await describeGroups(this.client, groupNames)) {
      const instances = g.Instances ?? [];
      const states = instances.map((i) => i.LifecycleState ?? '');
      out.set(g.AutoScalingGroupName!, {
        // Auto Scaling's current capacity: in service and launching, as target tracking counts it.
        capacity: states.filter((s) => COUNTED.has(s)).length,
        minCapacity: g.MinSize ?? 0,
        maxCapacity: g.MaxSize ?? 0,
        launching: states.filter((s) => LAUNCHING.has(s)).length,
        inService: instances.filter((i) => i.LifecycleState === 'InService' && i.InstanceId).map((i) => i.InstanceId!),
      });
    }
    return out;
  }

  /**
   * In-service instances past their warmup: those whose launch activity no longer says
   * WaitingForInstanceWarmup. DescribeScalingActivities lists activities still in progress first, then
   * the rest by start time (API reference), so paging stops at the first finished one. Undefined when the
   * activities cannot be read.
   */
  async warm(groupName: string, inService: readonly string[]): Promise<number | undefined> {
    if (inService.length === 0) return 0;
    const serving = new Set(inService);
    const warming = new Set<string>();
    try {
      let token: string | undefined;
      do {
        const res = await this.client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: groupName, MaxRecords: ACTIVITIES_PER_CALL, NextToken: token }));
        const activities: Activity[] = res.Activities ?? [];
        for (const a of activities) {
          // "Launching a new EC2 instance: i-0123456789abcdef0" (or "... from warm pool: i-..."): the instance it launched.
          const id = a.StatusCode === WARMING_UP ? a.Description?.match(/\bi-[0-9a-f]{8,17}\b/)?.[0] : undefined;
          if (id && serving.has(id)) warming.add(id);
        }
        token = activities.some((a) => FINISHED.has(a.StatusCode ?? '')) ? undefined : res.NextToken;
      } while (token);
    } catch {
      return undefined;
    }
    return inService.length - warming.size;
  }
}

/**
 * Per fleet, four queries in one GetMetricData: the group's average CPU over the last complete minute,
 * its per-minute Sum of CPU (busy instances × 100) and SampleCount (instances reporting) over the
 * lookback, and our QueuedQueries a minute ago. AWS/EC2 CPUUtilization by AutoScalingGroupName has
 * 1-minute datapoints because the launch template turns on detailed monitoring.
 */
export class CloudWatchSignalHistory implements SignalHistory {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly namespace: string,
  ) {}

  async read(fleets: readonly SignalsFleet[], nowMs: number): Promise<Map<string, MetricHistory>> {
    const minute = 60_000;
    const end = new Date(Math.floor(nowMs / minute) * minute);
    const lookback = Math.max(1, ...fleets.map((f) => f.policy.scaleInLookbackMinutes));
    const start = new Date(end.getTime() - (lookback + 1) * minute);
    const queries: MetricDataQuery[] = fleets.flatMap((f, k) => {
      const cpu = { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'AutoScalingGroupName', Value: f.groupName }] };
      return [
        { Id: `avg${k}`, MetricStat: { Metric: cpu, Period: 60, Stat: 'Average' }, ReturnData: true },
        { Id: `sum${k}`, MetricStat: { Metric: cpu, Period: 60, Stat: 'Sum' }, ReturnData: true },
        { Id: `n${k}`, MetricStat: { Metric: cpu, Period: 60, Stat: 'SampleCount' }, ReturnData: true },
        { Id: `q${k}`, MetricStat: { Metric: { Namespace: this.namespace, MetricName: QUEUED_METRIC, Dimensions: [{ Name: 'Fleet', Value: f.fleet }] }, Period: 60, Stat: 'Maximum' }, ReturnData: true },
      ];
    });
    const series = new Map<string, { t: number; v: number }[]>();
    for (const batch of chunk(queries, QUERIES_PER_CALL)) {
      let token: string | undefined;
      do {
        const page = await this.client.send(new GetMetricDataCommand({ MetricDataQueries: batch, StartTime: start, EndTime: end, ScanBy: 'TimestampDescending', NextToken: token }));
        for (const r of page.MetricDataResults ?? []) {
          const points = series.get(r.Id!) ?? [];
          (r.Timestamps ?? []).forEach((t, i) => points.push({ t: t.getTime(), v: r.Values![i] }));
          series.set(r.Id!, points);
        }
        token = page.NextToken;
      } while (token);
    }
    const since = (id: string, minutes: number) => (series.get(id) ?? []).filter((p) => p.t >= end.getTime() - minutes * minute);
    // The newest datapoint, if recent enough to stand for "now": an older one would be decided on as if
    // current (a stale low CPU scales in; a stale queue turns minutes of growth into one minute's).
    const latest = (id: string, minutes: number) => since(id, minutes).reduce<{ t: number; v: number } | undefined>((a, p) => (!a || p.t > a.t ? p : a), undefined)?.v;
    return new Map(
      fleets.map((f, k) => {
        const counts = new Map(since(`n${k}`, f.policy.scaleInLookbackMinutes).map((p) => [p.t, p.v]));
        return [
          f.fleet,
          {
            cpuPercent: latest(`avg${k}`, CPU_FRESH_MINUTES),
            busyInstances: withoutPartialNewest(
              since(`sum${k}`, f.policy.scaleInLookbackMinutes)
                .sort((a, b) => a.t - b.t)
                .map((p) => ({ t: p.t, sum: p.v, count: counts.get(p.t) })),
            ).map((p) => ({
              // A datapoint's timestamp is the start of its minute: the one starting a minute before `end` is 1 minute ago.
              minutesAgo: Math.round((end.getTime() - p.t) / minute),
              busy: p.sum / 100,
            })),
            previousQueued: latest(`q${k}`, QUEUE_FRESH_MINUTES),
          },
        ];
      }),
    );
  }
}

/**
 * The per-minute Sums, oldest first, less the newest minutes still arriving. CloudWatch aggregates the
 * datapoints it has received (SampleCount is how many: "Statistics", CloudWatch user guide), and each
 * instance's 1-minute CPU lands on its own schedule, so the minute that has just ended can hold some
 * instances and not yet others: its Sum reads as a drop in load. A newest minute with fewer samples than
 * the one before it is left out, and so on back while that holds, rather than fitted into the trend as if
 * load had fallen. A scale-in lowers the count for real: a minute in which instances terminated is left
 * out while it is the newest, and counts once a later minute has as many samples. A scale-out raises the
 * count, which is never taken for partial.
 */
export function withoutPartialNewest<T extends { readonly count?: number }>(minutes: readonly T[]): T[] {
  let keep = minutes.length;
  while (keep >= 2 && (minutes[keep - 1].count ?? Infinity) < (minutes[keep - 2].count ?? 0)) keep--;
  return minutes.slice(0, keep);
}

export async function publishSignals(client: CloudWatchClient, namespace: string, datapoints: readonly SignalDatapoint[], at: Date): Promise<void> {
  const data: MetricDatum[] = datapoints.map((d) => ({
    MetricName: d.name,
    Dimensions: [{ Name: 'Fleet', Value: d.fleet }, ...(d.rule ? [{ Name: 'Rule', Value: d.rule }] : [])],
    Value: d.value,
    Unit: d.unit as StandardUnit,
    Timestamp: at,
  }));
  for (const batch of chunk(data, DATUMS_PER_CALL)) await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
}

/**
 * Bounds on a coordinator's `/v1/query` answer. A real list is BasicQueryInfo per query: about 2.5 KB of
 * session, stats and state, plus the SQL text (a few KB for most generated SQL). It holds the running and
 * queued queries plus at most `query.max-history` finished ones (100 by default; docs/scaling.md
 * suggests 1,000 where throughput is capped). 1,000 finished and 1,000 queued or running at 4 KB each is
 * 8 MB; 16 MB is twice that. Past it the fleet reads as unavailable, with the cap in the log, rather
 * than the function reading (and parsing) without end: a 380 MB answer once took the function down and
 * every fleet's signals with it. Parsed, a body at the cap stays well inside the function's memory.
 * The nesting of BasicQueryInfo is about 6 levels; a real list at the cap holds some 600,000 values.
 */
export const COORDINATOR_LIMITS: JsonLimits = { maxBytes: 16 * 1024 * 1024, maxDepth: 32, maxValues: 1_000_000 };

/**
 * The coordinator's query list; X-Trino-User names us. Trino lists only the queries that user may view
 * (QueryResource.getAllQueryInfo): with no query rules that is every query, and under rules the user
 * needs `view` on every queryOwner, or the list is empty (see queriesInvisible). The answer is untrusted:
 * no redirect is followed (it would carry X-Trino-User elsewhere), and it must be application/json
 * within COORDINATOR_LIMITS. `timeoutMs` covers the whole exchange, body included.
 */
export function coordinatorQueries(user: string, timeoutMs: number) {
  return async (url: string): Promise<unknown> => {
    const target = `${url.replace(/\/$/, '')}/v1/query`;
    const what = `GET ${target}`;
    const res = await fetchNoRedirect(what, target, { headers: { 'X-Trino-User': user }, signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await discard(res);
      throw new Error(`${what} answered HTTP ${res.status}`);
    }
    return readUntrustedJson(what, res, COORDINATOR_LIMITS);
  };
}
