/**
 * The small interfaces the controller needs from the outside world. lambdas/aws implements them with
 * the AWS SDK; sim/ implements them in memory. The controller logic is written once against these.
 */
import type { TaskReading } from './drain';
import type { DrainedBy } from './drain-report';
import type { GroupView, ScaleInHold } from './holds';
import type { BusyMinute } from './scaling-policy';
import type { WorkerPressure } from './stragglers';
import type { SignalsFleet } from './contract/signals-settings';
import type { StoredReadings } from './worker-readings';

// The hold and group views are defined beside the rules that read them (core/holds.ts); ports name them.
export type { GroupView, ScaleInHold };

/** An instance in Terminating:Wait in one of our groups. */
export interface WaitingInstance {
  readonly instanceId: string;
  readonly groupName: string;
}

/** Outcome of a lifecycle write. `gone` means the action was already completed or expired. */
export type LifecycleWriteResult = 'done' | 'gone';

/** Auto Scaling, as the controller sees it. */
export interface Fleet {
  /** Instances in Terminating:Wait across these groups. */
  listWaitingInstances(groupNames: readonly string[]): Promise<WaitingInstance[]>;
  /** Of these instance ids, the ones still in Terminating:Wait (for events, which may be late or duplicated). */
  filterWaiting(instances: readonly WaitingInstance[]): Promise<WaitingInstance[]>;
  completeLifecycleAction(instance: WaitingInstance, hookName: string, result: 'CONTINUE' | 'ABANDON'): Promise<LifecycleWriteResult>;
  recordHeartbeat(instance: WaitingInstance, hookName: string): Promise<LifecycleWriteResult>;
  /**
   * When each instance's termination began, by Auto Scaling's own record (DescribeScalingActivities
   * StartTime); an instance without such an activity is left out. Bounds a drain's deadline, which an
   * event's `time` alone must never set.
   */
  terminationStartTimes(instances: readonly WaitingInstance[]): Promise<Map<string, number>>;
}

/** Readings per instance id; an instance with no entry had no data. */
export type TaskReadings = ReadonlyMap<string, { readonly readings: readonly TaskReading[]; readonly drainedAt?: number }>;

/** Where running-task counts come from. */
export interface TaskCounts {
  /** True when the source keeps history (CloudWatch); false when each call is one fresh sample (HTTP). */
  readonly keepsHistory: boolean;
  /**
   * Readings between `since` and `now` for each instance. With `taskAges`, a source that knows them also
   * fills each reading's `oldestTaskAgeSeconds` (a metric source reads a second metric for it, so only the
   * termination policy asks).
   */
  read(instances: readonly WaitingInstance[], since: number, now: number, options?: { readonly taskAges?: boolean }): Promise<TaskReadings>;
}

/** How a worker is told to stop taking new work. */
export interface WorkerControl {
  /** `agent` means the on-instance agent stops the worker itself on the lifecycle signal. */
  readonly kind: 'agent' | 'ssm' | 'http';
  /** Sends the stop; returns the ids it reached. An id left out is retried on the next pass. */
  requestStop(instances: readonly WaitingInstance[]): Promise<Set<string>>;
}

/** How a drain ended. */
export type DrainOutcome = 'idle' | 'drained' | 'forced' | 'left-wait';

/** The durable record of one drain. */
export interface DrainRecord {
  readonly instanceId: string;
  readonly groupName: string;
  readonly fleet: string;
  readonly waitStartedAt: number;
  readonly deadlineAt: number;
  readonly hookExpiresAt: number;
  readonly heartbeatTimeoutSeconds: number;
  readonly stopSentAt?: number;
  /** A stop send in flight, claimed by one invocation until this time. */
  readonly stopClaimUntil?: number;
  readonly heartbeats: number;
  /** Samples kept for task sources without history. */
  readonly readings: readonly TaskReading[];
  /** When the controller accepted the worker's own verified report that it is drained. */
  readonly drainedAt?: number;
  /** What the report said made it drained. */
  readonly drainedBy?: DrainedBy;
}

/** A finished drain, kept for operators and metrics. */
export interface DrainResult {
  readonly outcome: DrainOutcome;
  readonly completedAt: number;
  readonly runningTasksAtEnd?: number;
}

/** The durable drain state. Writes are conditional: concurrent invocations never double-apply. */
export interface DrainStore {
  /** Every drain in progress. */
  listActive(): Promise<DrainRecord[]>;
  /**
   * Creates the record unless one exists; returns the record that is stored either way, or undefined
   * when this instance's drain already finished (a completed drain stays completed).
   */
  claimFirstSeen(record: DrainRecord): Promise<DrainRecord | undefined>;
  /** Claims the right to send the stop until `until`; false if already sent or claimed by someone else. */
  claimStop(instanceId: string, now: number, until: number): Promise<boolean>;
  markStopSent(instanceId: string, at: number): Promise<void>;
  recordHeartbeat(instanceId: string, at: number, hookExpiresAt: number): Promise<void>;
  saveReadings(instanceId: string, readings: readonly TaskReading[]): Promise<void>;
  /** Records a verified drain report, once; false if the drain is not active or already has one. */
  markDrained(instanceId: string, at: number, drainedBy: DrainedBy): Promise<boolean>;
  /** Moves the drain to history; false if another invocation finished it first. */
  finish(record: DrainRecord, result: DrainResult): Promise<boolean>;
  /**
   * Moves an active drain's deadline; false if the drain is no longer active. With `onlyLater`, also false
   * when the stored deadline is already at or past it: the automated callers (the straggler function, the
   * drain price check) decide on a read taken seconds before, and must never undo an operator's longer
   * extension made meanwhile. The extend-drain runbook may shorten, and does not set it.
   */
  setDeadline(instanceId: string, deadlineAt: number, onlyLater?: boolean): Promise<boolean>;
  /** Records a hold; false, holding nothing, when that holder already ended (a late START). */
  putHold(hold: ScaleInHold): Promise<boolean>;
  /**
   * Removes one holder's hold; false if it held nothing. `ended` also remembers the holder, so a later
   * putHold for it (an event redelivered out of order) holds nothing.
   */
  removeHold(groupName: string, holder: string, ended?: boolean): Promise<boolean>;
  listHolds(): Promise<ScaleInHold[]>;
}

/**
 * The agents' verified in-service readings (core/worker-readings.ts), kept in the drain table for the
 * straggler function and the termination policy: one item per message, expiring after READINGS_KEPT_MS.
 */
export interface ReadingsStore {
  /** Keeps verified messages; a message saved twice (SQS redelivery) is kept once. */
  save(messages: readonly StoredReadings[]): Promise<void>;
  /** The group's messages sent at or after `sinceMs`. */
  read(groupName: string, sinceMs: number): Promise<StoredReadings[]>;
}

/** Auto Scaling operations the runbooks and the deployment guard use. */
export interface FleetAdmin {
  describeGroups(groupNames: readonly string[]): Promise<GroupView[]>;
  /** The group of each instance, for those in any group. */
  groupsOf(instanceIds: readonly string[]): Promise<Map<string, { groupName: string; lifecycleState: string }>>;
  terminateInstance(instanceId: string, decrementDesired: boolean): Promise<void>;
  /**
   * Protects (or unprotects) instances and the group's new instances from scale-in. An instance that
   * left service meanwhile is skipped, never blocking the others; the ids not changed are returned.
   */
  setScaleInProtection(groupName: string, instanceIds: readonly string[], protect: boolean): Promise<{ readonly skipped: readonly string[] }>;
}

/** A CodeDeploy deployment as the runbooks report it. */
export interface DeploymentView {
  readonly deploymentId: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly status: string;
  readonly overview?: Record<string, number>;
  readonly errorMessage?: string;
  readonly createTime?: number;
  readonly completeTime?: number;
}

/** CodeDeploy, as the runbooks use it. */
export interface Deployments {
  create(applicationName: string, deploymentGroupName: string, revision: { bucket: string; key: string; bundleType: string; version?: string }, description: string): Promise<string>;
  get(deploymentId: string): Promise<DeploymentView>;
}

/** Counters and gauges the controller emits (EMF in Lambda, an in-memory tally in the simulator). */
export interface ControllerMetrics {
  count(name: ControllerCounter, value?: number): void;
  gauge(name: ControllerGauge, value: number, unit: 'Count' | 'Seconds'): void;
}

export type ControllerCounter =
  | 'GracefulCompletions'
  | 'ForcedTerminations'
  | 'TasksKilled'
  | 'Heartbeats'
  | 'StopRequests'
  | 'LeftWait'
  | 'InstanceErrors'
  | 'IgnoredEvents'
  | 'MalformedEvents'
  | 'DrainReports'
  | 'RejectedReports'
  /** A warm pool instance's termination: it never served, nothing to drain. */
  | 'WarmPoolEvents'
  /** An instance sent back to a warm pool (ReuseOnScaleIn): not drainable, alarmed. */
  | 'WarmPoolReuseEvents';

export type ControllerGauge = 'InstancesDraining' | 'OldestDrainAgeSeconds' | 'DrainDurationSeconds' | 'DrainsPastDeadline' | 'DrainedToCompletedSeconds';

/** Structured logging. */
export interface ControllerLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Where malformed events go so that none is lost silently. */
export interface DeadLetters {
  send(body: string, reason: string): Promise<void>;
}

/** Launch time and private address of instances (EC2 DescribeInstances). */
export interface InstanceDetails {
  describe(instanceIds: readonly string[]): Promise<Map<string, { readonly launchedAt?: number; readonly privateIp?: string }>>;
}

/** Scaling signals (lambdas/signals/handler.ts): a group as the signals read it, and its CPU history. */
export interface GroupState {
  readonly capacity: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Pending (and Pending:Wait/Proceed): launching, no throughput yet. */
  readonly launching: number;
  /** The in-service instances' ids. */
  readonly inService: readonly string[];
}

export interface MetricHistory {
  /** The group's average CPU over the last complete minute. */
  readonly cpuPercent?: number;
  /** The per-minute Sum of CPU ÷ 100 over the lookback, oldest first: the load the scale-in sizes for. */
  readonly busyInstances?: readonly BusyMinute[];
  /** Our own QueuedQueries datapoint of the minute before: backlog growth is the change from it. */
  readonly previousQueued?: number;
}

/** The groups as the signals read them (Auto Scaling). */
export interface SignalGroups {
  describe(groupNames: readonly string[]): Promise<Map<string, GroupState>>;
  /** Of these in-service instances, those past their warmup; undefined when that cannot be read. */
  warm(groupName: string, inService: readonly string[]): Promise<number | undefined>;
}

/** Each fleet's CPU history and our own last queue reading (CloudWatch). */
export interface SignalHistory {
  read(fleets: readonly SignalsFleet[], nowMs: number): Promise<Map<string, MetricHistory>>;
}

export interface SignalDatapoint {
  readonly name: string;
  readonly fleet: string;
  readonly value: number;
  readonly unit: 'None' | 'Count' | 'Seconds';
  /** A second dimension (Rule) for the decision count. */
  readonly rule?: string;
}

/** Straggler detection (lambdas/stragglers/handler.ts): a group's instances and health, and what is published. */
export interface StragglerGroup {
  readonly groupName: string;
  readonly desiredCapacity: number;
  readonly instances: readonly { readonly instanceId: string; readonly lifecycleState: string; readonly healthStatus: string }[];
}

export interface StragglerGroups {
  describe(groupNames: readonly string[]): Promise<Map<string, StragglerGroup>>;
}

/** Each instance's per-minute readings over the `minutes` before `endMs` (oldest first, null when missing). */
export interface PressureSource {
  read(groupName: string, instanceIds: readonly string[], endMs: number, minutes: number): Promise<Map<string, WorkerPressure>>;
}

/** SetInstanceHealth Unhealthy, respecting the group's health check grace period. */
export interface InstanceHealth {
  markUnhealthy(instanceId: string): Promise<void>;
}

/** The straggler detector's findings as the termination policy reads them: BottleneckedMinutes per instance. */
export interface StragglerFindings {
  read(groupName: string, instanceIds: readonly string[], now: number): Promise<Map<string, number>>;
}

export interface StragglerDatapoint {
  readonly name: string;
  readonly fleet: string;
  readonly value: number;
  readonly unit: 'Count';
  /** Per-instance datapoints also carry the instance and its group (the termination policy reads them so). */
  readonly instance?: { readonly instanceId: string; readonly groupName: string };
}

/** The group as adoption reads it (DescribeAutoScalingGroups, DescribeLifecycleHooks). */
export interface AdoptableGroup {
  /** AutoScalingGroupARN: its uuid is new for every group created, so it tells a recreated group apart. */
  readonly arn?: string;
  readonly terminationPolicies: readonly string[];
  readonly enabledMetrics: readonly string[];
  readonly serviceLinkedRoleArn?: string;
  /** Termination lifecycle hooks on the group, by name. */
  readonly terminatingHooks: readonly string[];
  /** The group's warm pool (DescribeWarmPool), when it has one. */
  readonly warmPool?: { readonly reuseOnScaleIn: boolean };
}

/** The Auto Scaling calls adoption makes. */
export interface GroupSettingsPort {
  /** The group, or undefined when no group of that name exists. */
  describe(groupName: string): Promise<AdoptableGroup | undefined>;
  setTerminationPolicies(groupName: string, policies: readonly string[]): Promise<void>;
  enableMetrics(groupName: string, metrics: readonly string[]): Promise<void>;
  disableMetrics(groupName: string, metrics: readonly string[]): Promise<void>;
}

/** The custom resource request CloudFormation sends (CloudFormation user guide, "Custom resource request objects"). */
export interface CustomResourceRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: { readonly GroupName?: unknown; readonly TerminationPolicy?: unknown };
  readonly OldResourceProperties?: { readonly GroupName?: unknown; readonly TerminationPolicy?: unknown };
}

/** What CloudFormation is told. */
export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/**
 * A fleet's finished-query run times (core/remaining-time.ts StoredHistory) and how far the coordinator's
 * list was read, kept between runs of the signals function.
 */
export interface RuntimeHistoryStore {
  load(fleet: string): Promise<StoredRuntimes | undefined>;
  save(fleet: string, value: StoredRuntimes): Promise<void>;
}

export interface StoredRuntimes {
  readonly history: unknown;
  /** Finished queries that ended by this time (epoch ms) are recorded. */
  readonly readUntilMs: number;
}
