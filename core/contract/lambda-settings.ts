/**
 * The drain controller's settings (CONTROLLER_SETTINGS) and the termination policy's
 * (TERMINATION_POLICY_SETTINGS), as the CDK stack writes them into the Lambdas' environment and the
 * simulator builds them: the groups, the drain policy, where task counts come from and how a worker is
 * stopped. Parsed and validated once at load; a bad value is an error, never a default. The other
 * functions' settings sit beside this file (signals-, straggler-, readings-settings.ts).
 */
import { DEFAULT_DRAIN_POLICY, DrainPolicy, TRINO_DEFAULT_GRACE_SECONDS } from '../drain';
import { MAX_HEARTBEAT_TIMEOUT_SECONDS, MIN_HEARTBEAT_TIMEOUT_SECONDS } from '../lifecycle-limits';
import { Fail, Int, arnPrefix, parseJson, roleId } from './settings-parsing';

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
