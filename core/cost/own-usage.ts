/**
 * What the autoscaler itself uses in a month, for a fleet that holds steady: the fixed part read from
 * the synthesized template (alarms, dashboards, keys, scheduled functions), the part that grows with
 * the fleet from the product's own cadences (the agent's publishing interval, the metrics each instance
 * publishes, what the straggler function reads per instance each run). Pure: the caller synthesizes the
 * template and passes the cadences the code uses; test/core/cost.test.ts checks those counts against
 * what the real agent and adapters send.
 *
 * A steady fleet has no scale-ins, so no drains: the drain controller's per-drain work (lifecycle
 * events, reports, table writes) is not in this bill; the simulator counts it for a real trace.
 */
import { UsageItem, CostComponent } from './bill';
import { HOURS_PER_MONTH } from './prices';

/**
 * The drain price check's reads and writes a fleet-minute (lambdas/signals/drain-pricing.ts): every drain
 * listed, one consistent Query per shard of the drain table (DRAIN_SHARDS, held equal by
 * test/core/cost.test.ts), each at least one read unit; the history item, at most about 22 KB at its
 * bounds with run times of up to a day (core/remaining-time.ts; the test holds it), read consistently
 * (4 KB a unit) and, on a busy fleet, written every minute (1 KB a unit; at most every 5 minutes when only
 * short queries finish).
 */
export const DRAIN_PRICING_STORE = { listQueriesPerMinute: 16, historyReadUnitsPerMinute: 6, historyWriteUnitsPerMinute: 22, fleetMetrics: 3 } as const;

const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;

/** The parts of a CloudFormation template that cost money whether or not the fleet works. */
export interface TemplateInventory {
  /** Metrics watched by our own alarms, by resolution (a metric math alarm is billed per metric it reads). */
  readonly alarmMetrics: { readonly standard: number; readonly highResolution: number };
  /** Metrics watched by the alarms Auto Scaling creates for target tracking policies. */
  readonly targetTrackingAlarmMetrics: number;
  readonly dashboards: number;
  readonly kmsKeys: number;
  /** Functions run on a schedule, with what they are billed on. */
  readonly scheduled: readonly ScheduledFunction[];
}

export interface ScheduledFunction {
  readonly logicalId: string;
  readonly component: CostComponent;
  readonly memoryMb: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly invocationsPerMonth: number;
}

type Resource = { readonly Type?: string; readonly Properties?: Record<string, unknown> };
type Template = { readonly Resources?: Record<string, Resource> };

/** `rate(N minute[s]|hour[s]|day[s])` as invocations a month; other expressions (cron) are refused. */
export function invocationsPerMonth(expression: string): number {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (!m) throw new RangeError(`schedule ${JSON.stringify(expression)}: only rate(N unit) expressions are priced`);
  const minutes = Number(m[1]) * (m[2].startsWith('minute') ? 1 : m[2].startsWith('hour') ? 60 : 1440);
  return MINUTES_PER_MONTH / minutes;
}

/** Whose function a logical id is, from the construct path CDK writes into it. */
export function componentOfFunction(logicalId: string): CostComponent {
  if (/Straggler/i.test(logicalId)) return 'straggler detection';
  if (/Signals/i.test(logicalId)) return 'scaling signals';
  if (/Controller|Drain|Sweep/i.test(logicalId)) return 'drain controller';
  return 'operations';
}

const metricsInAlarm = (p: Record<string, unknown>): number => {
  const metrics = p.Metrics;
  if (Array.isArray(metrics)) return metrics.filter((m) => typeof m === 'object' && m !== null && 'MetricStat' in m).length;
  return 1;
};

/**
 * Reads the priced resources of a synthesized template. A target tracking policy has two alarms that
 * Auto Scaling creates and bills (high and low; one when scale-in is disabled, since only the high alarm
 * then acts), each reading the policy's metric (one, or each MetricStat of a metric math specification).
 */
export function inventoryOf(template: Template): TemplateInventory {
  const resources = template.Resources ?? {};
  let standard = 0;
  let highResolution = 0;
  let targetTrackingAlarmMetrics = 0;
  let dashboards = 0;
  let kmsKeys = 0;
  const scheduled: ScheduledFunction[] = [];
  for (const r of Object.values(resources)) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::CloudWatch::Alarm': {
        const n = metricsInAlarm(p);
        const period = typeof p.Period === 'number' ? p.Period : 60;
        // CloudWatch bills an alarm at high resolution when it evaluates at a period under 60 s.
        if (period < 60) highResolution += n;
        else standard += n;
        break;
      }
      case 'AWS::AutoScaling::ScalingPolicy': {
        const c = p.TargetTrackingConfiguration as Record<string, unknown> | undefined;
        if (p.PolicyType !== 'TargetTrackingScaling' || !c) break;
        const custom = c.CustomizedMetricSpecification as Record<string, unknown> | undefined;
        const perAlarm = custom ? metricsInAlarm(custom) : 1;
        targetTrackingAlarmMetrics += perAlarm * (c.DisableScaleIn === true ? 1 : 2);
        break;
      }
      case 'AWS::CloudWatch::Dashboard':
        dashboards++;
        break;
      case 'AWS::KMS::Key':
        kmsKeys++;
        break;
      case 'AWS::Events::Rule': {
        const expression = p.ScheduleExpression;
        if (typeof expression !== 'string') break;
        for (const target of (p.Targets as { Arn?: unknown }[] | undefined) ?? []) {
          const arn = target.Arn as { 'Fn::GetAtt'?: [string, string] } | undefined;
          const fnId = arn?.['Fn::GetAtt']?.[0];
          const fn = fnId ? resources[fnId] : undefined;
          if (!fn || fn.Type !== 'AWS::Lambda::Function') continue;
          const fp = fn.Properties ?? {};
          const archs = fp.Architectures as string[] | undefined;
          scheduled.push({
            logicalId: fnId!,
            component: componentOfFunction(fnId!),
            memoryMb: typeof fp.MemorySize === 'number' ? fp.MemorySize : 128,
            architecture: archs?.[0] === 'arm64' ? 'arm64' : 'x86_64',
            invocationsPerMonth: invocationsPerMonth(expression),
          });
        }
        break;
      }
    }
  }
  return { alarmMetrics: { standard, highResolution }, targetTrackingAlarmMetrics, dashboards, kmsKeys, scheduled };
}

/** How the running product behaves, from its code and configuration (bench/cost.ts fills it). */
export interface RuntimeProfile {
  /** Instances in service all month. */
  readonly workers: number;
  readonly fleets: number;
  /** The agent on each instance, when installed. */
  readonly agent?: {
    /**
     * Seconds between the agent's PutMetricData requests while its instance is in service (it measures
     * more often and sends the readings together). A terminating instance's requests every interval are
     * per-drain work, which a steady fleet does not do.
     */
    readonly publishSeconds: number;
    /** Per-instance metric names published every round. */
    readonly alwaysMetrics: readonly string[];
    /** Per-instance metric names published only while the worker runs tasks. */
    readonly busyMetrics: readonly string[];
    /** Share of hours a worker runs tasks (custom metrics are billed by the hour they receive data). */
    readonly busyShare: number;
    /**
     * In service the readings go to the fleet's readings queue, not CloudWatch: no per-instance metric
     * and no PutMetricData while in service (once terminating is per-drain work). @default CloudWatch
     */
    readonly readingsQueue?: ReadingsQueueProfile;
  };
  /**
   * The straggler function, when any fleet detects: what it requests of CloudWatch per instance each run,
   * or, for fleets whose readings are in the drain table, the read units of its Query per instance.
   */
  readonly stragglers?: { readonly metricsReadPerInstance: number; readonly storeReadUnitsPerInstance?: number; readonly runMinutes: number; readonly fleetMetrics: readonly string[] };
  /** The scaling-signals function, when any fleet has signals. */
  readonly signals?: { readonly fleetMetrics: number; readonly fleetsWithSignals: number; readonly pricingDrains?: number };
  /** What a scheduled invocation is assumed to be billed for: the product does not measure it yet. */
  readonly assumptions: { readonly billedSecondsPerInvocation: number; readonly logBytesPerInvocation: number; readonly kmsRequestsPerKeyHour: number };
}

/** The readings path's cadences (core/contract/metrics.ts, lambdas/readings, lambdas/aws/dynamo-readings-store.ts). */
export interface ReadingsQueueProfile {
  /** SendMessage per instance: one each publishing period. */
  readonly sendSeconds: number;
  /** SQS asks KMS for a new data key per sender this often; the readings function decrypts each once. */
  readonly dataKeyReuseSeconds: number;
  /** Messages the readings function takes in one invocation. */
  readonly batchSize: number;
  /** ReceiveMessage calls Lambda's pollers make on each queue a minute, messages or not. */
  readonly pollsPerQueueMinute: number;
  /** Write units one stored message costs (it is under 1 KB). */
  readonly writeUnitsPerMessage: number;
  /** The readings function's memory (arm64). */
  readonly functionMemoryMb: number;
}

/** The month's usage of everything the autoscaler deploys and does, by component. */
export function ownMonthlyUsage(inv: TemplateInventory, rt: RuntimeProfile): UsageItem[] {
  const items: UsageItem[] = [];
  const push = (component: CostComponent, key: Extract<UsageItem, { key: unknown }>['key'], quantity: number, what: string) => {
    if (quantity > 0) items.push({ component, key, quantity, what });
  };
  const seconds = HOURS_PER_MONTH * 3600;
  if (rt.agent?.readingsQueue) {
    const q = rt.agent.readingsQueue;
    const messages = rt.workers * (seconds / q.sendSeconds);
    const dataKeys = rt.workers * (seconds / q.dataKeyReuseSeconds);
    push('agent', 'sqsRequests', messages, `one SendMessage of readings every ${q.sendSeconds} s per instance in service`);
    push('agent', 'kmsRequests', dataKeys, `a data key per instance every ${q.dataKeyReuseSeconds} s (SQS's data key reuse)`);
    const invocations = Math.max(rt.workers * (seconds / q.sendSeconds) / q.batchSize, rt.fleets * MINUTES_PER_MONTH);
    push('drain controller', 'lambdaRequests', invocations, `the readings function: a batch of up to ${q.batchSize} messages, about one a minute per fleet`);
    push('drain controller', 'lambdaArm64GbSeconds', invocations * rt.assumptions.billedSecondsPerInvocation * (q.functionMemoryMb / 1024), `the readings function: ${q.functionMemoryMb} MB for ${rt.assumptions.billedSecondsPerInvocation} s an invocation`);
    push('drain controller', 'sqsRequests', rt.fleets * q.pollsPerQueueMinute * MINUTES_PER_MONTH, `Lambda's pollers: ${q.pollsPerQueueMinute} ReceiveMessage a minute per fleet's queue`);
    push('drain controller', 'sqsRequests', messages / 10, 'ReceiveMessage and DeleteMessageBatch of the messages, ten at a time');
    push('drain controller', 'kmsRequests', dataKeys, 'Decrypt of each data key by the readings function');
    push('drain controller', 'dynamodbWriteRequests', messages * q.writeUnitsPerMessage, `one item per message, ${q.writeUnitsPerMessage} write unit`);
  } else if (rt.agent) {
    const a = rt.agent;
    const requests = seconds / a.publishSeconds;
    push('agent', 'cloudwatchPutMetricDataRequests', rt.workers * requests, `one PutMetricData every ${a.publishSeconds} s per instance in service`);
    push('agent', 'cloudwatchMetricMonth', rt.workers * a.alwaysMetrics.length, `${a.alwaysMetrics.length} per-instance metrics (${a.alwaysMetrics.join(', ')})`);
    push('agent', 'cloudwatchMetricMonth', rt.workers * a.busyMetrics.length * a.busyShare, `${a.busyMetrics.join(', ')} in the ${Math.round(a.busyShare * 100)}% of hours a worker is busy`);
  }
  if (rt.stragglers) {
    const s = rt.stragglers;
    const runs = MINUTES_PER_MONTH / s.runMinutes;
    push('straggler detection', 'cloudwatchGetMetricDataMetrics', rt.workers * s.metricsReadPerInstance * runs, `${s.metricsReadPerInstance} metrics per instance, read every ${s.runMinutes} minutes`);
    push('straggler detection', 'dynamodbReadRequests', rt.workers * (s.storeReadUnitsPerInstance ?? 0) * runs, `a Query of the window's readings every ${s.runMinutes} minutes, ${s.storeReadUnitsPerInstance} read units per instance`);
    push('straggler detection', 'cloudwatchPutMetricDataRequests', runs, `one PutMetricData of findings every ${s.runMinutes} minutes`);
    push('straggler detection', 'cloudwatchMetricMonth', rt.fleets * s.fleetMetrics.length, `per-fleet findings (${s.fleetMetrics.join(', ')})`);
  }
  if (rt.signals) {
    push('scaling signals', 'cloudwatchPutMetricDataRequests', MINUTES_PER_MONTH, 'one PutMetricData of every fleet\'s signals a minute');
    push('scaling signals', 'cloudwatchMetricMonth', rt.signals.fleetsWithSignals * rt.signals.fleetMetrics, `${rt.signals.fleetMetrics} signal metrics per fleet`);
    const pricing = rt.signals.pricingDrains ?? 0;
    if (pricing > 0) {
      const d = DRAIN_PRICING_STORE;
      push('scaling signals', 'dynamodbReadRequests', MINUTES_PER_MONTH * (d.listQueriesPerMinute + pricing * d.historyReadUnitsPerMinute), `the drain price check: every drain listed (${d.listQueriesPerMinute} Queries) and each fleet's run-time history read, a minute`);
      push('scaling signals', 'dynamodbWriteRequests', MINUTES_PER_MONTH * pricing * d.historyWriteUnitsPerMinute, `the drain price check: each fleet's run-time history written, at most once a minute`);
      push('scaling signals', 'cloudwatchMetricMonth', pricing * d.fleetMetrics, `${d.fleetMetrics} drain price check metrics per fleet`);
    }
  }
  push('operations', 'cloudwatchAlarmStandardMetricMonth', inv.alarmMetrics.standard, 'our alarms\' metrics at 60 s');
  push('operations', 'cloudwatchAlarmHighResolutionMetricMonth', inv.alarmMetrics.highResolution, 'our alarms\' metrics under 60 s');
  push('operations', 'cloudwatchAlarmStandardMetricMonth', inv.targetTrackingAlarmMetrics, 'the alarms Auto Scaling makes for target tracking');
  push('operations', 'cloudwatchDashboardMonth', inv.dashboards, 'dashboards');
  push('environment', 'kmsKeyMonth', inv.kmsKeys, 'customer managed keys');
  push('environment', 'kmsRequests', inv.kmsKeys * rt.assumptions.kmsRequestsPerKeyHour * HOURS_PER_MONTH, `about ${rt.assumptions.kmsRequestsPerKeyHour} data-key requests per key-hour (SQS and DynamoDB reuse a data key for 5 minutes)`);
  for (const f of inv.scheduled) {
    const seconds = f.invocationsPerMonth * rt.assumptions.billedSecondsPerInvocation;
    push(f.component, 'lambdaRequests', f.invocationsPerMonth, `${f.logicalId}: scheduled invocations`);
    push(f.component, f.architecture === 'arm64' ? 'lambdaArm64GbSeconds' : 'lambdaX86GbSeconds', seconds * (f.memoryMb / 1024), `${f.logicalId}: ${f.memoryMb} MB for ${rt.assumptions.billedSecondsPerInvocation} s an invocation`);
    push(f.component, 'cloudwatchLogsIngestedGb', (f.invocationsPerMonth * rt.assumptions.logBytesPerInvocation) / 1e9, `${f.logicalId}: about ${rt.assumptions.logBytesPerInvocation} bytes of logs an invocation`);
  }
  return items;
}
