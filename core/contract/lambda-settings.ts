/**
 * The controller's settings, as the CDK stack writes them into the Lambdas' environment and the
 * simulator builds them. Parsed and validated once at load; a bad value is an error, never a default.
 */
import { DEFAULT_SCALING_POLICY, ScalingPolicySettings } from '../scaling-policy';
import { DEFAULT_DRAIN_POLICY, DrainPolicy, TRINO_DEFAULT_GRACE_SECONDS } from '../drain';
import { MAX_HEARTBEAT_TIMEOUT_SECONDS, MIN_HEARTBEAT_TIMEOUT_SECONDS } from '../lifecycle-limits';
import { DEFAULT_STRAGGLER_SETTINGS, StragglerSettings, stragglerSettingsProblems } from '../stragglers';
import { INSTANCE_ARN_PREFIX } from '../instance-namespace';
import type { ReadingsSender } from '../worker-readings';

/** One managed group. */
export interface GroupSettings {
  readonly fleet: string;
  readonly drainTimeoutSeconds: number;
  readonly heartbeatTimeoutSeconds: number;
  /** The workers' graceful-shutdown grace period (Trino `shutdown.grace-period`): the unsafe window after a stop. */
  readonly shutdownGraceSeconds: number;
  /** The IAM role id of the group's instances; drain reports are accepted only from it. Absent: no reports. */
  readonly workerRoleId?: string;
}

/**
 * With the agent stopping the worker, the controller does not see the stop: it takes the wait's start
 * as the stop time, and the agent acts within its 1 s lifecycle poll (at most 30 s if configured so) of
 * IMDS reporting `Terminated`. This margin covers that lag before readings may count towards idle.
 */
export const AGENT_STOP_LAG_SECONDS = 10;

/**
 * The event queue's redrive policy moves a message to the DLQ once it has been received this many times
 * (SQS developer guide, "Using dead-letter queues": when ReceiveCount exceeds maxReceiveCount). The stack
 * sets maxReceiveCount from this. A valid event is never left to reach it: the DLQ alarm means poison.
 */
export const EVENT_MAX_RECEIVE_COUNT = 5;

/** The sweep re-checks every waiting instance this often; HTTP task counts are one sample a sweep. */
export const SWEEP_PERIOD_SECONDS = 60;

/** The drain policy for one group: the environment's, with the group's unsafe window after the stop. */
export function policyForGroup(
  settings: { readonly policy: DrainPolicy; readonly workerControl: { readonly kind: string } },
  group: Pick<GroupSettings, 'shutdownGraceSeconds'>,
): DrainPolicy {
  const lag = settings.workerControl.kind === 'agent' ? AGENT_STOP_LAG_SECONDS : 0;
  return { ...settings.policy, stopSettleSeconds: group.shutdownGraceSeconds + lag };
}

/** The group's settings when `name` is one of ours; own keys only, so `__proto__` is an unknown group. */
export function managedGroup(settings: Pick<ControllerSettings, 'groups'>, name: string): GroupSettings | undefined {
  return Object.prototype.hasOwnProperty.call(settings.groups, name) ? settings.groups[name] : undefined;
}

/** Where running-task counts come from. */
export type TaskSourceSettings =
  | ({ readonly kind: 'metric' } & TaskMetricSettings)
  | ({ readonly kind: 'trino' } & TrinoEndpointSettings);

/** The per-instance metric: which dimension carries the instance id, which the group name, and any fixed ones. */
export interface TaskMetricSettings {
  readonly namespace: string;
  readonly metricName: string;
  readonly periodSeconds: number;
  readonly instanceDimension: string;
  /** Omitted when the metric has no group dimension. */
  readonly groupDimension?: string;
  readonly extraDimensions: Readonly<Record<string, string>>;
  /**
   * The metric, same dimensions and period, holding the age in seconds of each instance's oldest running
   * task; the termination policy's tie-break among equally busy instances. Omitted: no ages are read.
   */
  readonly ageMetricName?: string;
  /**
   * Set for the agent's metric: instance X's datapoints are read only from
   * `${namespace}/${instanceArnPrefix}X` (instance-namespace.ts), the one namespace X's own credentials
   * may write, so no worker can speak for another. Absent: every instance's from `namespace`, a metric of
   * the user's whose provenance is whoever may write that namespace (docs/security.md).
   */
  readonly instanceArnPrefix?: string;
}

/**
 * GetMetricData periods of a high-resolution metric: "1, 5, 10, 20, 30, 60, or any multiple of 60"
 * (CloudWatch API reference, MetricStat.Period). Config and the functions both hold to it.
 */
export const HIGH_RESOLUTION_PERIODS: readonly number[] = [1, 5, 10, 20, 30];

/** A period GetMetricData answers for a high-resolution metric. */
export function isMetricPeriod(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds > 0 && (HIGH_RESOLUTION_PERIODS.includes(seconds) || seconds % 60 === 0);
}

/** The agent's metric: RunningTasks at 10 s with InstanceId and AutoScalingGroupName dimensions. */
export const AGENT_TASK_METRIC: { readonly kind: 'metric' } & TaskMetricSettings = {
  kind: 'metric',
  namespace: 'GracefulAutoscaler',
  metricName: 'RunningTasks',
  ageMetricName: 'OldestTaskAgeSeconds',
  periodSeconds: 10,
  instanceDimension: 'InstanceId',
  groupDimension: 'AutoScalingGroupName',
  extraDimensions: {},
};

/** How a worker is told to stop taking work. */
export type WorkerControlSettings =
  | { readonly kind: 'agent' }
  | { readonly kind: 'ssm'; readonly commands: readonly string[] }
  | ({ readonly kind: 'trino' } & TrinoEndpointSettings);

export interface TrinoEndpointSettings {
  readonly scheme: 'http' | 'https';
  readonly port: number;
  readonly user: string;
  readonly timeoutMs: number;
}

export interface ControllerSettings {
  /** Our hook; every other hook (CodeDeploy's) is left alone. */
  readonly hookName: string;
  /** Managed groups by name; events for any other group are ignored. */
  readonly groups: Readonly<Record<string, GroupSettings>>;
  readonly policy: DrainPolicy;
  /** Lifecycle and store writes in flight at once, to stay under Auto Scaling's rate limits. */
  readonly writeConcurrency: number;
  /** How long one invocation holds the right to send a worker's stop before another may retry it. */
  readonly stopClaimSeconds: number;
  readonly taskSource: TaskSourceSettings;
  readonly workerControl: WorkerControlSettings;
}

/** Measured with npm run bench:drain: 16 beats 8 (fewer round trips) and 32 (more throttling, adaptive back-off). */
export const DEFAULT_WRITE_CONCURRENCY = 16;
export const DEFAULT_STOP_CLAIM_SECONDS = 60;

/** Parses settings JSON; throws an Error naming the field and value on anything malformed. */
export function parseControllerSettings(json: string): ControllerSettings {
  const { raw, fail, int } = parseJson(json);

  if (typeof raw?.hookName !== 'string' || raw.hookName === '') fail('hookName', raw?.hookName, 'must be a non-empty string');
  if (typeof raw.groups !== 'object' || raw.groups === null || Object.keys(raw.groups).length === 0) {
    fail('groups', raw.groups, 'must name at least one group');
  }
  // No prototype: a group named "__proto__" or "constructor" is a key like any other, never inherited.
  const groups: Record<string, GroupSettings> = Object.create(null);
  for (const [name, g] of Object.entries<any>(raw.groups)) {
    if (typeof g?.fleet !== 'string' || g.fleet === '') fail(`groups.${name}.fleet`, g?.fleet, 'must be a non-empty string');
    groups[name] = {
      fleet: g.fleet,
      drainTimeoutSeconds: int(`groups.${name}.drainTimeoutSeconds`, g.drainTimeoutSeconds, 1, 172_800),
      heartbeatTimeoutSeconds: int(`groups.${name}.heartbeatTimeoutSeconds`, g.heartbeatTimeoutSeconds, MIN_HEARTBEAT_TIMEOUT_SECONDS, MAX_HEARTBEAT_TIMEOUT_SECONDS),
      shutdownGraceSeconds: int(`groups.${name}.shutdownGraceSeconds`, g.shutdownGraceSeconds ?? TRINO_DEFAULT_GRACE_SECONDS, 0, 3600),
      ...(g.workerRoleId === undefined ? {} : { workerRoleId: roleId(`groups.${name}.workerRoleId`, g.workerRoleId, fail) }),
    };
  }
  return {
    hookName: raw.hookName,
    groups,
    writeConcurrency: int('writeConcurrency', raw.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY, 1, 100),
    stopClaimSeconds: int('stopClaimSeconds', raw.stopClaimSeconds ?? DEFAULT_STOP_CLAIM_SECONDS, 5, 900),
    ...parseSourceSettings(raw, fail, int),
    workerControl: parseWorkerControl(raw.workerControl, fail, int),
  };
}

/** What the termination-policy function needs: it must not name the groups, which name it. */
export interface TerminationPolicySettings {
  readonly policy: DrainPolicy;
  readonly taskSource: TaskSourceSettings;
  /** Where the straggler function publishes BottleneckedMinutes, when a fleet detects stragglers. */
  readonly stragglersNamespace?: string;
  /**
   * Some fleet's agents send their in-service readings to a readings queue: the policy reads them from the
   * drain table (DRAIN_TABLE_NAME) beside the metric, and ranks each instance's newest. @default false
   */
  readonly readingsInStore?: boolean;
}

export function parseTerminationPolicySettings(json: string): TerminationPolicySettings {
  const { raw, fail, int } = parseJson(json);
  const ns = raw?.stragglersNamespace;
  if (ns !== undefined && (typeof ns !== 'string' || ns === '')) fail('stragglersNamespace', ns, 'must be a non-empty string');
  const inStore = raw?.readingsInStore;
  if (inStore !== undefined && typeof inStore !== 'boolean') fail('readingsInStore', inStore, 'must be true or false');
  return { ...parseSourceSettings(raw, fail, int), ...(ns !== undefined ? { stragglersNamespace: ns } : {}), ...(inStore ? { readingsInStore: true } : {}) };
}

/** What the readings function needs (READINGS_SETTINGS): per group, who may send its readings and where. */
export interface ReadingsSettings {
  /** By group name; no prototype, so `__proto__` is an unknown group. */
  readonly groups: Readonly<Record<string, ReadingsSender>>;
}

export function parseReadingsSettings(json: string): ReadingsSettings {
  const { raw, fail } = parseJson(json);
  if (typeof raw?.groups !== 'object' || raw.groups === null || Object.keys(raw.groups).length === 0) fail('groups', raw?.groups, 'must name at least one group');
  const groups: Record<string, ReadingsSender> = Object.create(null);
  for (const [name, g] of Object.entries<any>(raw.groups)) {
    if (typeof g?.queueArn !== 'string' || !/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]{1,80}$/.test(g.queueArn)) fail(`groups.${name}.queueArn`, g?.queueArn, 'must be an SQS queue ARN');
    groups[name] = { workerRoleId: roleId(`groups.${name}.workerRoleId`, g.workerRoleId, fail), queueArn: g.queueArn };
  }
  return { groups };
}

/** The group's readings sender when `name` is one of ours; own keys only. */
export function readingsSender(settings: ReadingsSettings, name: string): ReadingsSender | undefined {
  return Object.prototype.hasOwnProperty.call(settings.groups, name) ? settings.groups[name] : undefined;
}

function parseJson(json: string): { raw: any; fail: Fail; int: Int } {
  let raw: any;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`controller settings are not JSON: ${(e as Error).message}`);
  }
  const fail: Fail = (field, value, rule) => {
    throw new Error(`controller settings: ${field} (${JSON.stringify(value)}) ${rule}`);
  };
  const int: Int = (field, value, min, max) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? value
      : fail(field, value, `must be a whole number from ${min} to ${max}`);
  return { raw, fail, int };
}

function parseSourceSettings(raw: any, fail: Fail, int: Int): TerminationPolicySettings {
  const p = raw?.policy ?? {};
  const policy: DrainPolicy = {
    idleReadings: int('policy.idleReadings', p.idleReadings ?? DEFAULT_DRAIN_POLICY.idleReadings, 1, 60),
    readingMaxAgeSeconds: int('policy.readingMaxAgeSeconds', p.readingMaxAgeSeconds ?? DEFAULT_DRAIN_POLICY.readingMaxAgeSeconds, 10, 3600),
    heartbeatLeadSeconds: int('policy.heartbeatLeadSeconds', p.heartbeatLeadSeconds ?? DEFAULT_DRAIN_POLICY.heartbeatLeadSeconds, 61, 1800),
    stopSettleSeconds: int('policy.stopSettleSeconds', p.stopSettleSeconds ?? DEFAULT_DRAIN_POLICY.stopSettleSeconds, 0, 3600),
  };
  return { policy, taskSource: parseTaskSource(raw?.taskSource, fail, int) };
}

type Fail = (field: string, value: unknown, rule: string) => never;

/** `arn:<partition>:ec2:<region>:<account>:instance/`: the fixed part of every instance's ARN. */
function arnPrefix(field: string, value: unknown, fail: Fail): string {
  return typeof value === 'string' && INSTANCE_ARN_PREFIX.test(value) ? value : fail(field, value, 'must be an EC2 instance ARN prefix (arn:<partition>:ec2:<region>:<account>:instance/)');
}

/** IAM unique ids of roles start with AROA (IAM user guide, "Unique identifiers"). */
function roleId(field: string, value: unknown, fail: Fail): string {
  return typeof value === 'string' && /^AROA[A-Z0-9]{12,124}$/.test(value) ? value : fail(field, value, 'must be an IAM role id (AROA…)');
}
type Int = (field: string, value: unknown, min: number, max: number) => number;

function parseTrino(field: string, raw: any, fail: Fail, int: Int): TrinoEndpointSettings {
  if (raw.scheme !== 'http' && raw.scheme !== 'https') fail(`${field}.scheme`, raw.scheme, 'must be "http" or "https"');
  if (typeof raw.user !== 'string' || raw.user === '') fail(`${field}.user`, raw.user, 'must be a non-empty string');
  return { scheme: raw.scheme, port: int(`${field}.port`, raw.port, 1, 65535), user: raw.user, timeoutMs: int(`${field}.timeoutMs`, raw.timeoutMs, 100, 30_000) };
}

function parseTaskSource(raw: any, fail: Fail, int: Int): TaskSourceSettings {
  if (raw?.kind === 'metric') {
    for (const f of ['namespace', 'metricName'] as const) if (typeof raw[f] !== 'string' || raw[f] === '') fail(`taskSource.${f}`, raw[f], 'must be a non-empty string');
    const periodSeconds = int('taskSource.periodSeconds', raw.periodSeconds, 1, 3600);
    if (!isMetricPeriod(periodSeconds)) fail('taskSource.periodSeconds', periodSeconds, 'must be 1, 5, 10, 20, 30 or a multiple of 60');
    const dimension = (field: string, value: unknown) =>
      typeof value === 'string' && value !== '' && value.length <= 255 ? value : fail(`taskSource.${field}`, value, 'must be a dimension name of 1 to 255 characters');
    const extra = raw.extraDimensions ?? {};
    if (typeof extra !== 'object' || Array.isArray(extra)) fail('taskSource.extraDimensions', extra, 'must map dimension names to values');
    for (const [k, v] of Object.entries(extra)) if (typeof v !== 'string' || v === '') fail(`taskSource.extraDimensions.${k}`, v, 'must be a non-empty string');
    // A metric takes at most 30 dimensions (CloudWatch API reference, Dimension).
    const count = 1 + (raw.groupDimension ? 1 : 0) + Object.keys(extra).length;
    if (count > 30) fail('taskSource.extraDimensions', extra, 'makes more than 30 dimensions');
    return {
      kind: 'metric',
      namespace: raw.namespace,
      metricName: raw.metricName,
      periodSeconds,
      instanceDimension: dimension('instanceDimension', raw.instanceDimension),
      groupDimension: raw.groupDimension === undefined || raw.groupDimension === null ? undefined : dimension('groupDimension', raw.groupDimension),
      extraDimensions: extra,
      ...(raw.instanceArnPrefix === undefined ? {} : { instanceArnPrefix: arnPrefix('taskSource.instanceArnPrefix', raw.instanceArnPrefix, fail) }),
      ...(raw.ageMetricName === undefined || raw.ageMetricName === null
        ? {}
        : { ageMetricName: typeof raw.ageMetricName === 'string' && raw.ageMetricName !== '' ? raw.ageMetricName : fail('taskSource.ageMetricName', raw.ageMetricName, 'must be a non-empty string') }),
    };
  }
  if (raw?.kind === 'trino') return { kind: 'trino', ...parseTrino('taskSource', raw, fail, int) };
  return fail('taskSource.kind', raw?.kind, 'must be "metric" or "trino"');
}

function parseWorkerControl(raw: any, fail: Fail, int: Int): WorkerControlSettings {
  if (raw?.kind === 'agent') return { kind: 'agent' };
  if (raw?.kind === 'ssm') {
    if (!Array.isArray(raw.commands) || raw.commands.length === 0 || !raw.commands.every((c: unknown) => typeof c === 'string' && c !== '')) {
      fail('workerControl.commands', raw.commands, 'must be a non-empty list of shell commands');
    }
    return { kind: 'ssm', commands: raw.commands };
  }
  if (raw?.kind === 'trino') return { kind: 'trino', ...parseTrino('workerControl', raw, fail, int) };
  return fail('workerControl.kind', raw?.kind, 'must be "agent", "ssm" or "trino"');
}

/** One fleet whose scaling signals are on, as the stack configures it. */
export interface SignalsFleet {
  readonly fleet: string;
  readonly groupName: string;
  /** `http(s)://host:port` of the coordinator. */
  readonly coordinatorUrl: string;
  readonly policy: ScalingPolicySettings;
  /** The drain's price check (core/drain-extension.ts); off when absent. */
  readonly drainPricing?: DrainPricingSettings;
}

/** What the signals function needs to price a fleet's drains near their deadline. */
export interface DrainPricingSettings {
  /** What a kill costs beyond its lost work, in instance-seconds. */
  readonly killPenaltyInstanceSeconds: number;
  /** The longest any drain may last once extended, from its start. */
  readonly maxDrainSeconds: number;
  /** The instances' vCPUs, which turn a query's CPU seconds into instance-seconds; absent when unknown (its work then does not count). */
  readonly vcpus?: number;
}

/** What the scaling-signals function needs (SIGNALS_SETTINGS), written by the stack. */
export interface SignalsSettings {
  /** Where the signals and the ratio are published: the environment's namespace. */
  readonly namespace: string;
  /** Sent as X-Trino-User to each coordinator. */
  readonly user: string;
  readonly timeoutMs: number;
  readonly fleets: readonly SignalsFleet[];
}

export function parseSignalsSettings(json: string): SignalsSettings {
  const { raw, fail, int } = parseJson(json);
  if (typeof raw?.namespace !== 'string' || raw.namespace === '') fail('namespace', raw?.namespace, 'must be a non-empty string');
  if (typeof raw.user !== 'string' || raw.user === '') fail('user', raw.user, 'must be a non-empty string');
  if (!Array.isArray(raw.fleets) || raw.fleets.length === 0) fail('fleets', raw.fleets, 'must list at least one fleet');
  const num = (field: string, value: unknown, min: number, max: number): number =>
    typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fail(field, value, `must be a number from ${min} to ${max}`);
  const fleets = (raw.fleets as any[]).map((f, k): SignalsFleet => {
    const at = `fleets[${k}]`;
    for (const key of ['fleet', 'groupName'] as const) if (typeof f?.[key] !== 'string' || f[key] === '') fail(`${at}.${key}`, f?.[key], 'must be a non-empty string');
    if (typeof f.coordinatorUrl !== 'string' || !/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(f.coordinatorUrl)) fail(`${at}.coordinatorUrl`, f.coordinatorUrl, 'must be http(s)://host:port');
    const p = f.policy ?? {};
    const d = f.drainPricing;
    const drainPricing: DrainPricingSettings | undefined =
      d === undefined
        ? undefined
        : {
            killPenaltyInstanceSeconds: num(`${at}.drainPricing.killPenaltyInstanceSeconds`, d.killPenaltyInstanceSeconds, 0, 30 * 86_400),
            maxDrainSeconds: int(`${at}.drainPricing.maxDrainSeconds`, d.maxDrainSeconds, 60, 48 * 3600),
            ...(d.vcpus === undefined ? {} : { vcpus: int(`${at}.drainPricing.vcpus`, d.vcpus, 1, 1024) }),
          };
    return {
      fleet: f.fleet,
      groupName: f.groupName,
      coordinatorUrl: f.coordinatorUrl,
      ...(drainPricing ? { drainPricing } : {}),
      policy: {
        targetCpuPercent: num(`${at}.policy.targetCpuPercent`, p.targetCpuPercent, 1, 100),
        targetBacklogSeconds: num(`${at}.policy.targetBacklogSeconds`, p.targetBacklogSeconds ?? DEFAULT_SCALING_POLICY.targetBacklogSeconds, 1, 86_400),
        toleratedBacklogSeconds: num(`${at}.policy.toleratedBacklogSeconds`, p.toleratedBacklogSeconds ?? DEFAULT_SCALING_POLICY.toleratedBacklogSeconds, 0, 86_400),
        scaleInLookbackMinutes: int(`${at}.policy.scaleInLookbackMinutes`, p.scaleInLookbackMinutes ?? DEFAULT_SCALING_POLICY.scaleInLookbackMinutes, 1, 60),
        scaleInHorizonMinutes: int(`${at}.policy.scaleInHorizonMinutes`, p.scaleInHorizonMinutes ?? DEFAULT_SCALING_POLICY.scaleInHorizonMinutes, 0, 60),
      },
    };
  });
  return { namespace: raw.namespace, user: raw.user, timeoutMs: int('timeoutMs', raw.timeoutMs ?? 5000, 100, 30_000), fleets };
}

/** One fleet whose straggler detection is on, as the stack configures it. */
export interface StragglerFleet {
  readonly fleet: string;
  readonly groupName: string;
  /** Mark a persistent straggler unhealthy so Auto Scaling replaces it (through our hook); else detect and report only. */
  readonly replace: boolean;
  /**
   * How long a replaced straggler may drain: it takes no new work once stopped, so finishing its queries
   * at its slow pace costs only its own time (the replacement is already launching), where forcing at the
   * fleet's drain timeout would kill them. Never shorter than the fleet's drain timeout.
   */
  readonly replaceDrainTimeoutSeconds: number;
  readonly detector: StragglerSettings;
  /**
   * The fleet's agents send their in-service readings to its readings queue, and they are read from the
   * drain table; otherwise from each instance's own CloudWatch namespace (an adopted group's). @default false
   */
  readonly readingsInStore?: boolean;
}

/** What the straggler function needs (lambdas/stragglers/handler.ts). */
export interface StragglerFunctionSettings {
  /**
   * The agents' namespace: instance X's pressure is read only from `${pressureNamespace}/${instanceArnPrefix}X`,
   * the one namespace X may write (InstanceId and AutoScalingGroupName dimensions, as ever).
   */
  readonly pressureNamespace: string;
  /** `arn:<partition>:ec2:<region>:<account>:instance/` of the stack's instances (instance-namespace.ts). */
  readonly instanceArnPrefix: string;
  /** Where the function publishes its findings: a namespace the workers cannot write. */
  readonly namespace: string;
  readonly fleets: readonly StragglerFleet[];
}

/** A drain's bounds (lifecycle-limits.ts): a sweep period, and the 48 h global limit less the force margin. */
const MIN_DRAIN_SECONDS = 60;
const MAX_DRAIN_SECONDS = 48 * 3600 - 120;

export function parseStragglerSettings(json: string): StragglerFunctionSettings {
  const { raw, fail, int } = parseJson(json);
  for (const key of ['pressureNamespace', 'namespace'] as const) if (typeof raw?.[key] !== 'string' || raw[key] === '') fail(key, raw?.[key], 'must be a non-empty string');
  if (!Array.isArray(raw.fleets) || raw.fleets.length === 0) fail('fleets', raw.fleets, 'must list at least one fleet');
  const fleets = (raw.fleets as any[]).map((f, k): StragglerFleet => {
    const at = `fleets[${k}]`;
    for (const key of ['fleet', 'groupName'] as const) if (typeof f?.[key] !== 'string' || f[key] === '') fail(`${at}.${key}`, f?.[key], 'must be a non-empty string');
    if (typeof f.replace !== 'boolean') fail(`${at}.replace`, f.replace, 'must be true or false');
    const detector: StragglerSettings = { ...DEFAULT_STRAGGLER_SETTINGS, ...f.detector };
    const problem = stragglerSettingsProblems(detector)[0];
    if (problem) fail(`${at}.detector.${problem.field}`, problem.value, problem.rule);
    const replaceDrainTimeoutSeconds = int(`${at}.replaceDrainTimeoutSeconds`, f.replaceDrainTimeoutSeconds, MIN_DRAIN_SECONDS, MAX_DRAIN_SECONDS);
    if (f.readingsInStore !== undefined && typeof f.readingsInStore !== 'boolean') fail(`${at}.readingsInStore`, f.readingsInStore, 'must be true or false');
    return { fleet: f.fleet, groupName: f.groupName, replace: f.replace, replaceDrainTimeoutSeconds, detector, ...(f.readingsInStore ? { readingsInStore: true } : {}) };
  });
  return { pressureNamespace: raw.pressureNamespace, instanceArnPrefix: arnPrefix('instanceArnPrefix', raw.instanceArnPrefix, fail), namespace: raw.namespace, fleets };
}
