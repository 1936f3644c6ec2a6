/**
 * The fleet simulator: one Auto Scaling group of workers under target tracking, fed a query trace, with
 * the drain controller's real handlers (the same makeDrainEventsHandler, makeDrainSweepHandler and
 * makeTerminationPolicyHandler the Lambdas export) acting through in-memory ports. Discrete events in
 * simulated seconds; the ports see the simulated clock.
 */
import type { SQSRecord } from 'aws-lambda';
import { ControllerDeps } from '../lambdas/controller/reconcile';
import { DEFAULT_DRAIN_POLICY, TaskReading, TRINO_DEFAULT_GRACE_SECONDS } from '../lambdas/domain/drain';
import { COORDINATOR_CONFIRM_MS, formatDrainReport } from '../lambdas/domain/drain-report';
import { FORCE_MARGIN_SECONDS, heartbeatTimeoutForDrain } from '../lambdas/domain/lifecycle-limits';
import { TERMINATE_ACTION_DETAIL_TYPE } from '../lambdas/domain/lifecycle-event';
import { AGENT_TASK_METRIC, ControllerSettings, DEFAULT_STOP_CLAIM_SECONDS, DEFAULT_WRITE_CONCURRENCY } from '../lambdas/domain/settings';
import { makeDrainEventsHandler } from '../lambdas/handlers/drain-events';
import { makeDrainSweepHandler } from '../lambdas/handlers/drain-sweep';
import { makeTerminationPolicyHandler } from '../lambdas/handlers/termination-policy';
import { DrainStore, Fleet, TaskCounts, TaskReadings, WaitingInstance } from '../lambdas/ports';
import { EventQueue } from './heap';
import { MemoryDrainStore, MemoryFleet, MemoryInstance, MemoryLog, MemoryWorkerControl, TallyMetrics } from './memory-ports';
import { Rng } from './rng';
import { DEFAULT_SCALING_POLICY, ScalingPolicySettings, ScalingRule, decideScaling } from '../lambdas/domain/scaling-policy';
import { DEFAULT_TARGET_TRACKING, TargetTracker, TargetTrackingParams, TrackerProposal, combineProposals } from './target-tracking';
import { Query } from './trace';
import { DEFAULT_STRAGGLER_SETTINGS, PressureResource, StragglerSettings, WorkerPressure } from '../lambdas/domain/stragglers';
import { makeStragglerHandler } from '../lambdas/handlers/stragglers';
import { DEFAULT_PRESSURE_MODEL, DEGRADATION_CAUSES, DEGRADED_SLOWDOWN, PressureModel, WorkerPressureState } from './pressure';

/**
 * signals: this project in full: our drain, CPU target tracking, and the scaling decision on the
 * coordinator's queue (lambdas/domain/scaling-policy.ts) tracked by a second target tracking policy.
 * graceful-cpu: our drain under CPU target tracking alone. The rest are baselines.
 */
export type PolicyName = 'signals' | 'graceful-cpu' | 'no-hook' | 'cron-timeout' | 'static-peak';
export const POLICIES: readonly PolicyName[] = ['signals', 'graceful-cpu', 'no-hook', 'cron-timeout', 'static-peak'];

/** The policies that run our drain controller. */
export const drains = (policy: PolicyName): boolean => policy === 'signals' || policy === 'graceful-cpu';

/** A scale-in followed by a scale-out within this many seconds is a flap. */
export const FLAP_WINDOW_SECONDS = 15 * 60;

const HOOK = 'graceful-autoscaler-drain';
const GROUP = 'sim-workers';
const ZONE = 'sim-1a';
const AGENT_PERIOD = AGENT_TASK_METRIC.periodSeconds;
/** The simulated workers' instance-profile role id: SQS stamps reports with `<role id>:<instance id>`. */
const WORKER_ROLE_ID = 'AROASIMULATEDWORKER01';

export interface FaultOptions {
  /** Share of Auto Scaling and store calls answered with throttling or a 5xx. */
  readonly apiErrorRate: number;
  /** Share of lifecycle events never delivered. */
  readonly lostEventRate: number;
  /** Share of lifecycle events delivered twice. */
  readonly duplicateEventRate: number;
  /** Share of sweeps whose Lambda dies partway (every call after a random point fails). */
  readonly dieMidSweepRate: number;
}

export const DEFAULT_FAULTS: FaultOptions = { apiErrorRate: 0.05, lostEventRate: 0.2, duplicateEventRate: 0.2, dieMidSweepRate: 0.1 };

export interface SimOptions {
  readonly policy: PolicyName;
  readonly slotsPerInstance: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly targetCpu: number;
  readonly launchDelaySeconds: number;
  readonly warmupSeconds: number;
  readonly drainTimeoutSeconds: number;
  /**
   * Trino's `shutdown.grace-period`: after `SHUTTING_DOWN` the worker keeps serving this long, then waits for
   * its tasks, sleeps it again and exits. The controller counts no reading inside it towards idle.
   */
  readonly shutdownGraceSeconds: number;
  /** The agent's lifecycle loop: how often it asks IMDS for the target lifecycle state and checks the drain. */
  readonly agentPollSeconds: number;
  /** How often Trino's coordinator polls each node's state (about once a second). */
  readonly coordinatorPollSeconds: number;
  /** From the agent's SendMessage to the event function holding the report: SQS plus Lambda's 1 s batching window. */
  readonly reportDelaySeconds: number;
  /** Delay before a 1-minute CPU datapoint is visible to the alarms. */
  readonly metricDelaySeconds: number;
  /** EventBridge → SQS → Lambda. */
  readonly eventDelaySeconds: number;
  readonly retryKilled: boolean;
  readonly targetTracking: Omit<TargetTrackingParams, 'target'>;
  /** The scaling decision's tunables (signals policy); the CPU target comes from `targetCpu`. */
  readonly scaling: Omit<ScalingPolicySettings, 'targetCpuPercent'>;
  /** From the decision function's PutMetricData to the ratio's alarm evaluating the datapoint. */
  readonly signalDelaySeconds: number;
  /** Capacity of the static-peak policy; computed from the trace when absent. */
  readonly staticCapacity?: number;
  readonly faults?: FaultOptions;
  readonly seed: number;
  /** Samples of the capacity timeline kept for the report, every this many seconds. */
  readonly timelineStepSeconds: number;
  /** Share of launched instances that run tasks DEGRADED_SLOWDOWN× slower (a bad host, disk or neighbour). */
  readonly degraded: number;
  /** Degradation appears at a random time in a degraded instance's life, not at its launch. */
  readonly degradedMidRun: boolean;
  /** The full policy (`signals`) detects stragglers and replaces them (lambdas/handlers/stragglers.ts). */
  readonly stragglerActions: boolean;
  readonly stragglers: StragglerSettings;
  /** How long a replaced straggler may drain (the straggler function moves its deadline). */
  readonly stragglerDrainTimeoutSeconds: number;
  readonly pressure: PressureModel;
  /** An Auto Scaling warm pool of stopped instances beside the group; none when absent. */
  readonly warmPool?: WarmPoolOptions;
  readonly onProgress?: (fraction: number) => void;
}

/**
 * A warm pool in the `Stopped` state (Auto Scaling user guide, "Warm pools for Amazon EC2 Auto Scaling";
 * PutWarmPool). Auto Scaling keeps max(MinSize, MaxGroupPreparedCapacity − desired) instances in it,
 * MaxGroupPreparedCapacity defaulting to the group's maximum. It launches each one like any instance,
 * lets it boot, then stops it; a scale-out starts a stopped one instead of launching, and launches
 * directly only when none is ready ("If demand ... exhausts the warm pool, Amazon EC2 Auto Scaling can
 * launch instances directly into the Auto Scaling group"). A stopped instance is billed for its volumes,
 * not as an instance-hour; one booting into the pool is billed like any running instance.
 */
export interface WarmPoolOptions {
  readonly minSize: number;
  readonly maxPreparedCapacity?: number;
  /**
   * From a scale-out starting a stopped instance to its worker serving: EC2's start, the boot and the
   * worker's own start. AWS publishes no such figure; measure yours in DescribeScalingActivities
   * ("Launching a new EC2 instance from warm pool") and the worker's log.
   */
  readonly startSeconds: number;
}

/** The pool's default start time: an assumption (see WarmPoolOptions.startSeconds), not an AWS number. */
export const DEFAULT_WARM_START_SECONDS = 40;

export const DEFAULT_SIM_OPTIONS: Omit<SimOptions, 'policy'> = {
  slotsPerInstance: 8,
  minCapacity: 2,
  maxCapacity: 500,
  targetCpu: 40,
  launchDelaySeconds: 90,
  warmupSeconds: 300,
  drainTimeoutSeconds: 600,
  shutdownGraceSeconds: TRINO_DEFAULT_GRACE_SECONDS,
  agentPollSeconds: 1,
  coordinatorPollSeconds: 1,
  reportDelaySeconds: 2,
  metricDelaySeconds: 60,
  eventDelaySeconds: 2,
  retryKilled: false,
  targetTracking: DEFAULT_TARGET_TRACKING,
  scaling: DEFAULT_SCALING_POLICY,
  signalDelaySeconds: 60,
  seed: 1,
  timelineStepSeconds: 300,
  degraded: 0,
  degradedMidRun: false,
  stragglerActions: true,
  stragglers: DEFAULT_STRAGGLER_SETTINGS,
  stragglerDrainTimeoutSeconds: 4 * 3600,
  pressure: DEFAULT_PRESSURE_MODEL,
};

/** Injected stragglers and what the detector and its actions did about them. */
export interface StragglerReport {
  /** Instances that were degraded at some point while in the group. */
  readonly injected: number;
  /** Degraded instances marked unhealthy and replaced. */
  readonly replaced: number;
  /** Healthy instances marked unhealthy and replaced. */
  readonly falseReplacements: number;
  /** Instances the detector called a straggler at least once, degraded or not. */
  readonly detected: number;
  readonly falseDetections: number;
  /** Of the instances called stragglers, the share that were degraded (1 when none was called). */
  readonly precision: number;
  /** Of the degraded instances, the share called stragglers (1 when none was injected). */
  readonly recall: number;
  /** From a degraded instance's onset to its first straggler verdict, median and 95th percentile. */
  readonly detectionDelayP50S: number;
  readonly detectionDelayP95S: number;
  /** Completed queries that ran, at least in part, on a degraded instance. */
  readonly slowedQueries: number;
}

export interface SimResult {
  readonly policy: PolicyName;
  readonly drainTimeoutSeconds: number;
  readonly instanceHours: number;
  readonly queries: number;
  readonly queriesCompleted: number;
  readonly queriesKilled: number;
  /** Task-slot seconds of work lost in killed queries. */
  readonly killedSeconds: number;
  readonly queueDelayP50S: number;
  readonly queueDelayP95S: number;
  /** From arrival to finish (queue plus run time) of completed queries. */
  readonly queryLatencyP50S: number;
  readonly queryLatencyP95S: number;
  readonly drainSecondsP50: number;
  readonly drainSecondsP99: number;
  /** From the worker being drained (coordinator no longer schedules to it, no task left) to its completion. */
  readonly drainedToCompletedP50S: number;
  readonly drainedToCompletedP99S: number;
  readonly forcedTerminations: number;
  readonly gracefulTerminations: number;
  readonly instancesMax: number;
  readonly events: number;
  readonly killedDurations: readonly number[];
  readonly drainSeconds: readonly number[];
  readonly drainedToCompleted: readonly number[];
  /** Drain reports the agents sent (graceful policy). */
  readonly drainReports: number;
  /** Changes of desired capacity made by the scaling policies. */
  readonly scalingActions: number;
  /** Scale-ins followed by a scale-out within FLAP_WINDOW_SECONDS. */
  readonly flaps: number;
  /** Signals policy: how many minutes each rule of the decision decided. */
  readonly decisions?: Partial<Record<ScalingRule, number>>;
  readonly timeline: readonly { t: number; inService: number; draining: number; demandSlots: number; desired: number; queued: number }[];
  readonly invariants?: Invariants;
  /** Faults actually injected: failed calls, lost and duplicated events, sweeps that died. */
  readonly faultsInjected?: { readonly apiErrors: number; readonly lostEvents: number; readonly duplicateEvents: number; readonly deadSweeps: number };
  /** Set when instances were degraded or the straggler detector ran. */
  readonly stragglers?: StragglerReport;
  /** Set with a warm pool. Its running hours (instances booting into it) are in `instanceHours` too. */
  readonly warmPool?: WarmPoolReport;
}

export interface WarmPoolReport {
  /** Instances launched into the pool. */
  readonly launched: number;
  /** Instances for the group (scale-outs and replacements) started from the pool. */
  readonly started: number;
  /** Launches into the group (scale-outs and replacements) made directly, with no stopped instance ready. */
  readonly launchedDirect: number;
  /** Instance-hours of instances booting into the pool (billed, and in `instanceHours`). */
  readonly runningHours: number;
  /** Hours instances sat stopped in the pool (their volumes are billed, not the instance). */
  readonly stoppedHours: number;
  readonly largest: number;
}

/** What must hold even under faults; each must be 0. */
export interface Invariants {
  readonly terminatedBusyBeforeDeadline: number;
  readonly waitingPastDeadline: number;
  readonly completedTwiceWithEffect: number;
  /** Completed before the coordinator stopped scheduling to the worker (Trino's unsafe window). */
  readonly completedInUnsafeWindow: number;
}

interface Run {
  readonly query: Query;
  readonly index: number;
  readonly start: number;
  instance: Instance;
  done: boolean;
  /** Task-seconds of work left as of `since`, done at `rate` per second (1 healthy, ½ degraded). */
  remaining: number;
  since: number;
  rate: number;
  /** Bumped when the rate changes: a finish event of an older version is stale. */
  version: number;
}

interface Instance {
  readonly id: string;
  state: 'pending' | 'InService' | 'Terminating:Wait' | 'Terminated';
  readonly launchedAt: number;
  warmUntil: number;
  busy: number;
  accepting: boolean;
  readonly runs: Set<Run>;
  waitStartedAt?: number;
  /** When the agent sent `SHUTTING_DOWN`; when the coordinator saw it; when the worker was truly drained. */
  stopAt?: number;
  noticedAt?: number;
  drainedAt?: number;
  /** Busy-slot changes, for the agent's metric; trimmed to what a read can ask for. */
  history: { t: number; busy: number }[];
  busySlotSeconds: number;
  lastChange: number;
  /** When it turns (or turned) degraded; undefined for a healthy instance. */
  degradedAt?: number;
  readonly pressure: WorkerPressureState;
  /** The agent's pressure readings, one per minute (stamped at the minute's start), trimmed to the window. */
  pressureHistory: { t: number; values: Record<PressureResource, number>; runningTasks: number }[];
  /** Marked unhealthy by the straggler function. */
  unhealthy: boolean;
}

type Event =
  | { kind: 'arrive'; index: number }
  | { kind: 'finish'; run: Run; version: number }
  | { kind: 'degrade'; instance: Instance }
  | { kind: 'launched'; instance: Instance }
  | { kind: 'agent-stop'; instance: Instance }
  | { kind: 'coordinator-notice'; instance: Instance }
  | { kind: 'deliver'; instance: Instance; time: number }
  | { kind: 'report'; instance: Instance }
  | { kind: 'minute' };

/** Percentile of a sample (nearest rank); 0 for an empty one. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function simulate(queries: readonly Query[], options: SimOptions): Promise<SimResult> {
  return new FleetSimulation(queries, options).run();
}

class FleetSimulation {
  private now = 0;
  private readonly queue = new EventQueue<Event>();
  private readonly instances = new Map<string, Instance>();
  /** Accepting InService instances by busy slots: least-loaded dispatch in O(slots). */
  private readonly byLoad: Set<Instance>[];
  private readonly waitingQueries: number[] = [];
  private waitingHead = 0;
  private readonly queueDelays: number[] = [];
  private readonly killedDurations: number[] = [];
  private readonly drainSeconds: number[] = [];
  private readonly drainedToCompleted: number[] = [];
  private completedInUnsafeWindow = 0;
  private drainReports = 0;
  private readonly timeline: SimResult['timeline'][number][] = [];
  private readonly rng: Rng;
  private readonly tracker: TargetTracker;
  private readonly ratioTracker: TargetTracker;
  /** The group's average CPU each minute, with the warm instances it was averaged over (the base its step multiplies). */
  private readonly datapoints: { availableAt: number; value: number | undefined; busyInstances: number; instances: number }[] = [];
  private readonly ratioDatapoints: { availableAt: number; value: number | undefined }[] = [];
  /** The newest CPU datapoint the alarms (and the decision function, reading CloudWatch) have seen. */
  private cpuSeen: number | undefined;
  /** The group's busy instances (Sum of CPU ÷ 100) per minute over the decision's scale-in lookback, newest last. */
  private readonly busyLookback: number[] = [];
  private finishedThisMinute = 0;
  private queuedLastMinute = 0;
  private scalingActions = 0;
  private flaps = 0;
  private lastScaleInAt = -Infinity;
  private readonly decisions: Partial<Record<ScalingRule, number>> = {};
  private desired: number;
  private seq = 0;
  private events = 0;
  private instanceSeconds = 0;
  private lastAccounted = 0;
  private instancesMax = 0;
  private demandSlots = 0;
  private runningQueries = 0;
  private completed = 0;
  private killed = 0;
  private killedSeconds = 0;
  private forced = 0;
  private graceful = 0;
  private terminatedBusyBeforeDeadline = 0;
  private readonly pastDeadline = new Set<string>();
  private horizon = 0;
  private readonly fleet: MemoryFleet;
  private readonly store = new MemoryDrainStore();
  private readonly handlers?: {
    sweep: ReturnType<typeof makeDrainSweepHandler>;
    events: ReturnType<typeof makeDrainEventsHandler>;
    choose: ReturnType<typeof makeTerminationPolicyHandler>;
  };
  private dyingAfter = Infinity;
  private readonly injected = { apiErrors: 0, lostEvents: 0, duplicateEvents: 0, deadSweeps: 0 };
  private readonly latencies: number[] = [];
  /** Pressure noise and degradation draw from their own streams, so `--degraded` leaves the rest of a run's randomness alone. */
  private readonly pressureRng: Rng;
  private readonly degradeRng: Rng;
  private readonly detectStragglers?: ReturnType<typeof makeStragglerHandler>;
  /** The straggler function's last BottleneckedMinutes per instance, as the termination policy reads them. */
  private bottlenecked = new Map<string, number>();
  private readonly degradedSeen = new Map<string, number>();
  private readonly firstCalled = new Map<string, number>();
  private replacedDegraded = 0;
  private replacedHealthy = 0;
  private slowedQueries = 0;
  /** The warm pool, oldest first: each stopped once `readyAt` (seconds) has passed. */
  private readonly pool: { readyAt: number }[] = [];
  private readonly poolStats = { launched: 0, started: 0, launchedDirect: 0, runningSeconds: 0, stoppedSeconds: 0, largest: 0 };
  /** Deadlines the straggler function moved (seconds), by instance. */
  private readonly deadlines = new Map<string, number>();

  constructor(
    private readonly queries: readonly Query[],
    private readonly o: SimOptions,
  ) {
    this.rng = new Rng(o.seed);
    this.pressureRng = new Rng(o.seed ^ 0x5eed1e55);
    this.degradeRng = new Rng(o.seed ^ 0x0de9ade5);
    this.byLoad = Array.from({ length: o.slotsPerInstance + 1 }, () => new Set<Instance>());
    this.tracker = new TargetTracker({ target: o.targetCpu, ...o.targetTracking });
    // The second policy tracks the decision's needed-to-current ratio at 1.0, with the same managed alarms.
    this.ratioTracker = new TargetTracker({ ...o.targetTracking, target: 1, disableScaleIn: false });
    this.fleet = new MemoryFleet(() => this.now * 1000, (i) => this.onWaitEnded(i));
    this.desired = o.policy === 'static-peak' ? (o.staticCapacity ?? o.minCapacity) : o.minCapacity;
    const stragglerActions = o.policy === 'signals' && o.stragglerActions;
    if (drains(o.policy)) this.handlers = this.controller(stragglerActions);
    if (stragglerActions) this.detectStragglers = this.stragglerFunction();
  }

  /** The straggler function's handler over the simulated group, its agents' pressure and SetInstanceHealth. */
  private stragglerFunction() {
    return makeStragglerHandler({
      fleets: [{ fleet: 'sim', groupName: GROUP, replace: true, replaceDrainTimeoutSeconds: Math.max(this.o.stragglerDrainTimeoutSeconds, this.o.drainTimeoutSeconds), detector: this.o.stragglers }],
      groups: {
        describe: async () =>
          new Map([
            [
              GROUP,
              {
                groupName: GROUP,
                desiredCapacity: this.desired,
                instances: [...this.instances.values()].map((i) => ({ instanceId: i.id, lifecycleState: i.state === 'pending' ? 'Pending' : i.state, healthStatus: i.unhealthy ? 'Unhealthy' : 'Healthy' })),
              },
            ],
          ]),
      },
      pressure: { read: async (_group, ids, endMs, minutes) => this.readPressure(ids, endMs, minutes) },
      health: { markUnhealthy: async (id) => this.markUnhealthy(id) },
      store: {
        listHolds: () => this.store.listHolds(),
        listActive: () => this.store.listActive(),
        setDeadline: async (id, at) => {
          const moved = await this.store.setDeadline(id, at);
          if (moved) this.deadlines.set(id, at / 1000);
          return moved;
        },
      },
      publish: async (datapoints) => {
        this.bottlenecked = new Map(datapoints.filter((d) => d.instance).map((d) => [d.instance!.instanceId, d.value]));
      },
      log: new MemoryLog(true),
      now: () => this.now * 1000,
      memo: true,
    });
  }

  /** The agents' 1-minute pressure as GetMetricData returns it: a minute is visible once the metric delay has passed. */
  private readPressure(ids: readonly string[], endMs: number, minutes: number): Map<string, WorkerPressure> {
    const visibleUntil = this.now - this.o.metricDelaySeconds;
    const out = new Map<string, WorkerPressure>();
    for (const id of ids) {
      const instance = this.instances.get(id);
      if (!instance) continue;
      // One reading a minute, oldest first, each stamped at its minute's start: index by minute.
      const h = instance.pressureHistory;
      const empty = () => new Array<number | null>(minutes).fill(null);
      const series: Record<PressureResource | 'load', (number | null)[]> = { cpuSteal: empty(), cpuPressure: empty(), memoryPressure: empty(), ioPressure: empty(), diskBusy: empty(), load: empty() };
      const first = endMs / 1000 - minutes * 60;
      for (const reading of h) {
        const m = Math.round((reading.t - first) / 60);
        if (m < 0 || m >= minutes || reading.t + 60 > visibleUntil) continue;
        const v = reading.values;
        series.cpuSteal[m] = v.cpuSteal;
        series.cpuPressure[m] = v.cpuPressure;
        series.memoryPressure[m] = v.memoryPressure;
        series.ioPressure[m] = v.ioPressure;
        series.diskBusy[m] = v.diskBusy;
        series.load[m] = reading.runningTasks;
      }
      out.set(id, series);
    }
    return out;
  }

  /**
   * SetInstanceHealth Unhealthy: Auto Scaling terminates the instance through the lifecycle hook and, with
   * no instance maintenance policy, launches its replacement at the same time.
   */
  private markUnhealthy(id: string): void {
    const instance = this.instances.get(id);
    // SetInstanceHealth on an instance no longer in the group is a ValidationError.
    if (!instance || instance.state !== 'InService') throw Object.assign(new Error(`instance ${id} is not in service`), { name: 'ValidationError' });
    instance.unhealthy = true;
    if (this.isDegraded(instance)) this.replacedDegraded++;
    else this.replacedHealthy++;
    this.beginTermination(instance);
    this.launchIntoGroup();
  }

  /** When the controller forces this drain: the fleet's drain timeout, or a replaced straggler's longer one. */
  private deadlineOf(instance: Instance): number {
    return this.deadlines.get(instance.id) ?? instance.waitStartedAt! + this.o.drainTimeoutSeconds;
  }

  private isDegraded(instance: Instance): boolean {
    return instance.degradedAt !== undefined && this.now >= instance.degradedAt;
  }

  /** A degraded instance's slowdown begins: its running tasks go on at the slower rate. */
  private degrade(instance: Instance): void {
    if (instance.state === 'Terminated') return;
    this.degradedSeen.set(instance.id, this.now);
    for (const run of instance.runs) this.setRate(run, 1 / DEGRADED_SLOWDOWN);
  }

  private setRate(run: Run, rate: number): void {
    run.remaining -= (this.now - run.since) * run.rate;
    run.since = this.now;
    run.rate = rate;
    run.version++;
    this.queue.push(this.now + Math.max(0, run.remaining) / rate, { kind: 'finish', run, version: run.version });
  }

  /** The controller's deps: the Lambdas' handlers over in-memory ports, with faults when asked. */
  private controller(stragglerActions: boolean) {
    const settings: ControllerSettings = {
      hookName: HOOK,
      groups: {
        [GROUP]: {
          fleet: 'sim',
          drainTimeoutSeconds: this.o.drainTimeoutSeconds,
          heartbeatTimeoutSeconds: heartbeatTimeoutForDrain(this.o.drainTimeoutSeconds),
          shutdownGraceSeconds: this.o.shutdownGraceSeconds,
          workerRoleId: WORKER_ROLE_ID,
        },
      },
      policy: DEFAULT_DRAIN_POLICY,
      writeConcurrency: DEFAULT_WRITE_CONCURRENCY,
      stopClaimSeconds: DEFAULT_STOP_CLAIM_SECONDS,
      taskSource: AGENT_TASK_METRIC,
      workerControl: { kind: 'agent' },
    };
    const taskCounts: TaskCounts = { keepsHistory: true, read: async (instances, since, now, options) => this.readTaskCounts(instances, since, now, options?.taskAges ?? false) };
    const deps: ControllerDeps = {
      fleet: this.withFaults(this.fleet),
      store: this.withFaults(this.store),
      taskCounts,
      workerControl: new MemoryWorkerControl('agent'),
      metrics: new TallyMetrics(),
      log: new MemoryLog(true),
      settings,
      now: () => this.now * 1000,
    };
    return {
      sweep: makeDrainSweepHandler(deps),
      events: makeDrainEventsHandler({ ...deps, deadLetters: { send: async () => undefined } }),
      choose: makeTerminationPolicyHandler({
        taskCounts,
        instances: { describe: async (ids) => new Map(ids.map((id) => [id, { launchedAt: this.instances.get(id)?.launchedAt }])) },
        policy: DEFAULT_DRAIN_POLICY,
        log: new MemoryLog(true),
        now: () => this.now * 1000,
        budgetMs: 1200,
        ...(stragglerActions ? { stragglers: { read: async (_group: string, ids: readonly string[]) => new Map(ids.map((id) => [id, this.bottlenecked.get(id) ?? 0])) } } : {}),
      }),
    };
  }

  /** Wraps a port so its calls fail like AWS under load, and all fail once a sweep's Lambda has "died". */
  private withFaults<T extends Fleet | DrainStore>(port: T): T {
    const faults = this.o.faults;
    if (!faults) return port;
    return new Proxy(port, {
      get: (target, key) => {
        const value = (target as any)[key];
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (this.dyingAfter-- <= 0) throw Object.assign(new Error('Runtime exited'), { name: 'Runtime.ExitError' });
          if (this.rng.next() < faults.apiErrorRate) {
            this.injected.apiErrors++;
            throw this.rng.next() < 0.5
              ? Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })
              : Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
          }
          return value.apply(target, args);
        };
      },
    });
  }

  async run(): Promise<SimResult> {
    this.horizon = this.queries.reduce((end, q) => Math.max(end, q.arrival + q.duration), 0);
    this.queries.forEach((q, index) => index === 0 || q.arrival >= this.queries[index - 1].arrival || fail('trace not sorted'));
    if (this.queries.length > 0) this.queue.push(this.queries[0].arrival, { kind: 'arrive', index: 0 });
    for (let k = 0; k < this.desired; k++) this.launch(0, true);
    this.resizePool(true);
    this.queue.push(60, { kind: 'minute' });
    let nextProgress = 0;
    while (this.queue.size > 0) {
      const { time, item } = this.queue.pop()!;
      this.account(time);
      this.now = time;
      this.events++;
      switch (item.kind) {
        case 'arrive':
          this.arrive(item.index);
          break;
        case 'finish':
          if (item.version === item.run.version) this.finish(item.run);
          break;
        case 'degrade':
          this.degrade(item.instance);
          break;
        case 'launched':
          this.inService(item.instance);
          break;
        case 'agent-stop':
          this.agentStop(item.instance);
          break;
        case 'coordinator-notice':
          this.coordinatorNotice(item.instance);
          break;
        case 'deliver':
          await this.deliver(item.instance, item.time);
          break;
        case 'report':
          await this.report(item.instance);
          break;
        case 'minute':
          await this.minute();
          break;
      }
      if (this.o.onProgress && time >= nextProgress) {
        this.o.onProgress(Math.min(1, time / Math.max(1, this.horizon)));
        nextProgress = time + this.horizon / 200;
      }
    }
    this.o.onProgress?.(1);
    return this.result();
  }

  private done(): boolean {
    return this.completed + this.killed >= this.queries.length + (this.o.retryKilled ? this.killed : 0) && this.now >= this.horizon;
  }

  // ---- capacity -------------------------------------------------------------------------------

  private launch(at: number, immediate = false, delaySeconds = this.o.launchDelaySeconds): void {
    const instance: Instance = {
      id: `i-${(this.seq++).toString(16).padStart(17, '0')}`,
      state: 'pending',
      launchedAt: at * 1000,
      warmUntil: 0,
      busy: 0,
      accepting: false,
      runs: new Set(),
      history: [{ t: at, busy: 0 }],
      busySlotSeconds: 0,
      lastChange: at,
      pressureHistory: [],
      unhealthy: false,
      ...this.drawDegradation(at),
    };
    this.instances.set(instance.id, instance);
    if (instance.degradedAt !== undefined) {
      if (instance.degradedAt <= at) this.degradedSeen.set(instance.id, at);
      else this.queue.push(instance.degradedAt, { kind: 'degrade', instance });
    }
    this.fleet.launch(instance.id, GROUP);
    if (immediate) {
      // Initial capacity is already in service and warm when the trace starts.
      this.inService(instance);
      instance.warmUntil = 0;
    } else {
      this.queue.push(at + delaySeconds, { kind: 'launched', instance });
    }
  }

  /** One instance for the group now: started from the warm pool when one is stopped there, else launched. */
  private launchIntoGroup(): void {
    const wp = this.o.warmPool;
    if (!wp) return this.launch(this.now);
    const ready = this.pool.findIndex((p) => p.readyAt <= this.now);
    if (ready < 0) {
      this.poolStats.launchedDirect++;
      return this.launch(this.now);
    }
    const [taken] = this.pool.splice(ready, 1);
    this.poolStats.stoppedSeconds += this.now - taken.readyAt;
    this.poolStats.started++;
    this.launch(this.now, false, wp.startSeconds);
  }

  /** Auto Scaling's warm pool size for the current desired capacity (PutWarmPool, MaxGroupPreparedCapacity and MinSize). */
  private poolTarget(): number {
    const wp = this.o.warmPool!;
    return Math.max(wp.minSize, (wp.maxPreparedCapacity ?? this.o.maxCapacity) - this.desired, 0);
  }

  /**
   * Brings the pool to its size: launches (billed while they boot, then stopped) or terminates the newest,
   * which are the likeliest still booting. `initial` fills it already stopped, as a fleet that ran before the trace.
   */
  private resizePool(initial = false): void {
    if (!this.o.warmPool) return;
    const target = this.poolTarget();
    while (this.pool.length < target) {
      if (initial) this.pool.push({ readyAt: 0 });
      else {
        this.pool.push({ readyAt: this.now + this.o.launchDelaySeconds });
        this.poolStats.runningSeconds += this.o.launchDelaySeconds;
        this.poolStats.launched++;
      }
    }
    while (this.pool.length > target) this.leavePool(this.pool.pop()!);
    this.poolStats.largest = Math.max(this.poolStats.largest, this.pool.length);
  }

  /** A pool instance terminated: its boot time not yet spent is not billed; its stopped time is counted. */
  private leavePool(p: { readyAt: number }): void {
    this.poolStats.runningSeconds -= Math.max(0, p.readyAt - this.now);
    this.poolStats.stoppedSeconds += Math.max(0, this.now - p.readyAt);
  }

  /** Whether a new instance lands on a bad host (or disk), why, and from when. */
  private drawDegradation(at: number): { degradedAt?: number; pressure: WorkerPressureState } {
    const r = this.degradeRng;
    const degraded = this.o.degraded > 0 && r.next() < this.o.degraded;
    const cause = DEGRADATION_CAUSES[r.int(DEGRADATION_CAUSES.length)];
    const onset = this.o.degradedMidRun ? at + r.next() * Math.max(0, this.horizon - at) : at;
    return { ...(degraded ? { degradedAt: onset } : {}), pressure: new WorkerPressureState(this.pressureRng, this.o.pressure, degraded ? cause : undefined) };
  }

  private inService(instance: Instance): void {
    if (instance.state !== 'pending') return;
    instance.state = 'InService';
    instance.warmUntil = this.now + this.o.warmupSeconds;
    instance.accepting = true;
    this.byLoad[instance.busy].add(instance);
    this.dispatch();
  }

  private count(state: Instance['state']): number {
    let n = 0;
    for (const i of this.instances.values()) if (i.state === state) n++;
    return n;
  }

  /** Brings pending + InService to the desired capacity. */
  private async applyDesired(): Promise<void> {
    const live = [...this.instances.values()].filter((i) => i.state === 'pending' || i.state === 'InService');
    if (live.length < this.desired) {
      for (let k = live.length; k < this.desired; k++) this.launchIntoGroup();
      this.resizePool();
      return;
    }
    this.resizePool();
    const excess = live.length - this.desired;
    if (excess <= 0) return;
    // Pending instances go first (nothing runs on them), then the termination policy chooses.
    const pending = live.filter((i) => i.state === 'pending').slice(0, excess);
    for (const i of pending) this.terminateNow(i);
    const remaining = excess - pending.length;
    if (remaining <= 0) return;
    const candidates = live.filter((i) => i.state === 'InService');
    for (const i of await this.chooseToTerminate(candidates, remaining)) this.beginTermination(i);
  }

  private async chooseToTerminate(candidates: Instance[], n: number): Promise<Instance[]> {
    if (this.handlers) {
      const out = await this.handlers.choose({
        AutoScalingGroupName: GROUP,
        CapacityToTerminate: [{ AvailabilityZone: ZONE, Capacity: n, InstanceMarketOption: 'on-demand' }],
        Instances: candidates.map((i) => ({ AvailabilityZone: ZONE, InstanceId: i.id, InstanceMarketOption: 'on-demand' })),
        Cause: 'SCALE_IN',
      });
      return out.InstanceIDs.slice(0, n).map((id) => this.instances.get(id)!);
    }
    // Auto Scaling's default policy among identical instances is, in effect, arbitrary.
    const pool = [...candidates];
    const chosen: Instance[] = [];
    while (chosen.length < n && pool.length > 0) chosen.push(pool.splice(this.rng.int(pool.length), 1)[0]);
    return chosen;
  }

  private beginTermination(instance: Instance): void {
    if (this.o.policy === 'no-hook' || this.o.policy === 'static-peak') return this.terminateNow(instance);
    instance.state = 'Terminating:Wait';
    instance.waitStartedAt = this.now;
    this.fleet.beginTermination(instance.id, heartbeatTimeoutForDrain(this.o.drainTimeoutSeconds));
    // The coordinator knows nothing of Auto Scaling: the worker stays schedulable (accepting, in the
    // dispatcher) until the coordinator sees it shutting down. That is the unsafe window.
    if (drains(this.o.policy)) {
      // The agent's lifecycle loop sees IMDS say Terminated at its next poll and sends SHUTTING_DOWN.
      this.queue.push(this.now + this.rng.next() * this.o.agentPollSeconds, { kind: 'agent-stop', instance });
      const faults = this.o.faults;
      if (!faults || this.rng.next() >= faults.lostEventRate) this.queue.push(this.now + this.o.eventDelaySeconds, { kind: 'deliver', instance, time: this.now });
      else this.injected.lostEvents++;
      if (faults && this.rng.next() < faults.duplicateEventRate) {
        this.injected.duplicateEvents++;
        this.queue.push(this.now + this.o.eventDelaySeconds + 30 * this.rng.next(), { kind: 'deliver', instance, time: this.now });
      }
    }
    // The naive cron check never tells the worker: it keeps its slot in the dispatcher to the end.
  }

  /** `PUT /v1/info/state "SHUTTING_DOWN"`: the worker keeps serving until the coordinator polls its state. */
  private agentStop(instance: Instance): void {
    if (instance.state !== 'Terminating:Wait') return;
    instance.stopAt = this.now;
    this.queue.push(this.now + this.rng.next() * this.o.coordinatorPollSeconds, { kind: 'coordinator-notice', instance });
  }

  /** The coordinator's node poll sees SHUTTING_DOWN: it schedules nothing more to the worker. */
  private coordinatorNotice(instance: Instance): void {
    if (instance.state !== 'Terminating:Wait') return;
    instance.noticedAt = this.now;
    instance.accepting = false;
    this.byLoad[instance.busy].delete(instance);
    if (instance.runs.size === 0) this.becameDrained(instance);
  }

  /**
   * The worker is drained now (no scheduling, no task). The agent checks every poll from its stop on: it
   * first sees the coordinator's view at its next check after the notice, and takes a zero count as final
   * only from a check at least COORDINATOR_CONFIRM_MS after that; then it sends its report.
   */
  private becameDrained(instance: Instance): void {
    instance.drainedAt = this.now;
    const poll = this.o.agentPollSeconds;
    const nextCheck = (t: number) => instance.stopAt! + Math.ceil((t - instance.stopAt!) / poll - 1e-9) * poll;
    const detectedAt = Math.max(nextCheck(this.now), nextCheck(nextCheck(instance.noticedAt!) + COORDINATOR_CONFIRM_MS / 1000));
    const faults = this.o.faults;
    if (faults && this.rng.next() < faults.lostEventRate) {
      this.injected.lostEvents++;
      return; // the metric and the sweep are the safety net
    }
    this.queue.push(detectedAt + this.o.reportDelaySeconds, { kind: 'report', instance });
  }

  /** Auto Scaling ended the wait (our complete, or the hook's own timeout): the instance terminates. */
  private onWaitEnded(m: MemoryInstance): void {
    const instance = this.instances.get(m.instanceId);
    if (!instance || instance.state !== 'Terminating:Wait') return;
    const deadline = this.deadlineOf(instance);
    if (drains(this.o.policy) && m.endedBy === 'complete' && instance.noticedAt === undefined && this.now < deadline - 1e-9) this.completedInUnsafeWindow++;
    if (instance.drainedAt !== undefined) this.drainedToCompleted.push(this.now - instance.drainedAt);
    if (instance.runs.size > 0) {
      if (m.endedBy === 'timeout' || this.now >= deadline - 1e-9) this.forced++;
      else this.terminatedBusyBeforeDeadline++;
    } else this.graceful++;
    this.drainSeconds.push(this.now - instance.waitStartedAt!);
    this.terminateNow(instance);
  }

  private terminateNow(instance: Instance): void {
    // Out of the dispatcher before its runs are killed, or setBusy would put it back.
    instance.accepting = false;
    this.byLoad[instance.busy]?.delete(instance);
    for (const run of [...instance.runs]) this.kill(run);
    instance.state = 'Terminated';
    this.instances.delete(instance.id);
    if (this.fleet.instances.get(instance.id)?.state !== 'Terminated') this.fleet.forget(instance.id);
    // Killed queries put back in the queue (--retry-killed) may fit on another worker now.
    if (this.o.retryKilled) this.dispatch();
  }

  // ---- queries --------------------------------------------------------------------------------

  private arrive(index: number): void {
    const next = index + 1;
    if (next < this.queries.length) this.queue.push(this.queries[next].arrival, { kind: 'arrive', index: next });
    this.waitingQueries.push(index);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.waitingHead < this.waitingQueries.length) {
      const index = this.waitingQueries[this.waitingHead];
      const q = this.queries[index];
      const instance = this.leastLoaded(q.slots);
      if (!instance) return; // FIFO: the head waits for room, and so does everyone behind it
      if (!instance.accepting || (instance.state !== 'InService' && instance.state !== 'Terminating:Wait')) {
        throw new Error(`simulator bug: dispatch to ${instance.id} in state ${instance.state}`);
      }
      this.waitingHead++;
      if (this.waitingHead > 4096 && this.waitingHead * 2 > this.waitingQueries.length) {
        this.waitingQueries.splice(0, this.waitingHead);
        this.waitingHead = 0;
      }
      this.queueDelays.push(this.now - q.arrival);
      const rate = this.isDegraded(instance) ? 1 / DEGRADED_SLOWDOWN : 1;
      const run: Run = { query: q, index, start: this.now, instance, done: false, remaining: q.duration, since: this.now, rate, version: 0 };
      this.setBusy(instance, instance.busy + q.slots);
      instance.runs.add(run);
      this.demandSlots += q.slots;
      this.runningQueries++;
      this.queue.push(this.now + q.duration / rate, { kind: 'finish', run, version: 0 });
    }
  }

  private leastLoaded(slots: number): Instance | undefined {
    for (let b = 0; b + slots <= this.o.slotsPerInstance; b++) {
      const set = this.byLoad[b];
      if (set.size > 0) return set.values().next().value;
    }
    return undefined;
  }

  private setBusy(instance: Instance, busy: number): void {
    instance.busySlotSeconds += instance.busy * (this.now - instance.lastChange);
    instance.lastChange = this.now;
    if (instance.accepting) {
      this.byLoad[instance.busy].delete(instance);
      this.byLoad[busy].add(instance);
    }
    instance.busy = busy;
    instance.history.push({ t: this.now, busy });
  }

  private finish(run: Run): void {
    if (run.done) return;
    run.done = true;
    run.instance.runs.delete(run);
    this.setBusy(run.instance, run.instance.busy - run.query.slots);
    this.demandSlots -= run.query.slots;
    this.runningQueries--;
    this.completed++;
    this.finishedThisMinute++;
    this.latencies.push(this.now - run.query.arrival);
    if (run.rate < 1) this.slowedQueries++;
    const i = run.instance;
    if (i.state === 'Terminating:Wait' && i.noticedAt !== undefined && i.runs.size === 0 && i.drainedAt === undefined) this.becameDrained(i);
    this.dispatch();
  }

  private kill(run: Run): void {
    run.done = true;
    run.instance.runs.delete(run);
    this.setBusy(run.instance, run.instance.busy - run.query.slots);
    this.demandSlots -= run.query.slots;
    this.runningQueries--;
    this.killed++;
    this.killedSeconds += (this.now - run.start) * run.query.slots;
    this.killedDurations.push(run.query.duration);
    if (this.o.retryKilled) this.waitingQueries.push(run.index);
  }

  // ---- the agent's metric, as CloudWatch holds it -----------------------------------------------

  /**
   * 10-second Maximum datapoints of each instance's busy slots over complete periods in [since, now]. With
   * `ages`, the newest also carries the agent's OldestTaskAgeSeconds at its period's end, from the queries
   * running now (one that ended in the few seconds since is missed: a reading at most a period old).
   */
  private readTaskCounts(instances: readonly WaitingInstance[], sinceMs: number, nowMs: number, ages: boolean): TaskReadings {
    const out = new Map<string, { readings: TaskReading[] }>();
    for (const w of instances) {
      const instance = this.instances.get(w.instanceId);
      if (!instance) continue;
      const readings: TaskReading[] = [];
      const h = instance.history;
      let k = 0;
      for (let t = Math.ceil(sinceMs / 1000 / AGENT_PERIOD) * AGENT_PERIOD; t + AGENT_PERIOD <= nowMs / 1000; t += AGENT_PERIOD) {
        while (k + 1 < h.length && h[k + 1].t <= t) k++;
        let max = h[k].t <= t ? h[k].busy : 0;
        for (let j = k + 1; j < h.length && h[j].t < t + AGENT_PERIOD; j++) max = Math.max(max, h[j].busy);
        readings.push({ at: t * 1000, runningTasks: max });
      }
      const newest = readings.at(-1);
      if (ages && newest) {
        const end = newest.at / 1000 + AGENT_PERIOD;
        let oldest = 0;
        for (const run of instance.runs) if (run.start < end) oldest = Math.max(oldest, end - run.start);
        readings[readings.length - 1] = { ...newest, oldestTaskAgeSeconds: oldest };
      }
      if (readings.length > 0) out.set(w.instanceId, { readings });
    }
    return out;
  }

  // ---- the minute: metric, alarms, controller --------------------------------------------------

  private async minute(): Promise<void> {
    // The 1-minute average CPU of InService, warm instances.
    let sum = 0;
    let n = 0;
    let warming = false;
    // CloudWatch's Sum of CPUUtilization over the group's dimension counts every instance, warm or not.
    let busyInstances = 0;
    for (const i of this.instances.values()) {
      if (i.state !== 'InService') continue;
      i.busySlotSeconds += i.busy * (this.now - i.lastChange);
      i.lastChange = this.now;
      const cpu = (100 * i.busySlotSeconds) / (60 * this.o.slotsPerInstance);
      busyInstances += cpu / 100;
      this.samplePressure(i, cpu / 100);
      if (this.now < i.warmUntil) {
        warming = true;
        continue;
      }
      sum += cpu;
      n++;
    }
    for (const i of this.instances.values()) {
      // A draining worker's agent keeps publishing; the detector judges in-service workers only.
      if (i.state === 'Terminating:Wait') {
        i.busySlotSeconds += i.busy * (this.now - i.lastChange);
        this.samplePressure(i, i.busySlotSeconds / (60 * this.o.slotsPerInstance));
      }
      i.busySlotSeconds = 0;
      i.lastChange = this.now;
      // Keep the metric history a read can ask for: the controller reads at most 10 minutes back.
      if (i.history.length > 64 && i.history[i.history.length - 64].t < this.now - 900) {
        const cut = i.history.findIndex((e) => e.t >= this.now - 900);
        if (cut > 1) i.history.splice(0, cut - 1);
      }
    }
    this.datapoints.push({ availableAt: this.now + this.o.metricDelaySeconds, value: n > 0 ? sum / n : undefined, busyInstances, instances: n });

    if (this.o.policy !== 'static-peak') {
      await this.scale(warming, n);
      await this.applyDesired();
    }
    if (this.detectStragglers) {
      for (const outcome of await this.detectStragglers()) {
        for (const v of outcome.verdicts) if (v.straggler && !this.firstCalled.has(v.instanceId)) this.firstCalled.set(v.instanceId, this.now);
      }
    }

    this.fleet.expireHooks();
    if (drains(this.o.policy)) await this.sweep();
    if (this.o.policy === 'cron-timeout') await this.cronCheck();
    this.checkInvariants();

    const live = [...this.instances.values()];
    this.instancesMax = Math.max(this.instancesMax, live.length);
    if (this.timeline.length === 0 || this.now - this.timeline[this.timeline.length - 1].t >= this.o.timelineStepSeconds) {
      this.timeline.push({
        t: this.now,
        inService: live.filter((i) => i.state === 'InService' || i.state === 'pending').length,
        draining: live.filter((i) => i.state === 'Terminating:Wait').length,
        demandSlots: this.demandSlots + this.queuedSlots(),
        desired: this.desired,
        queued: this.waitingQueries.length - this.waitingHead,
      });
    }
    if (this.done()) return;
    // Every query ends within its duration once running, and the fleet keeps min capacity: a week past
    // the trace with queries left is a simulator bug, reported rather than run forever.
    if (this.now > this.horizon + 7 * 86_400) throw new Error(`simulator bug: ${this.waitingQueries.length - this.waitingHead} queries queued and ${this.runningQueries} running a week after the trace ended`);
    this.queue.push(this.now + 60, { kind: 'minute' });
  }

  /**
   * The group's scaling policies for this minute. Every policy's alarm sees its newest datapoint: CPU
   * always; with `signals`, also the decision's ratio, which the decision function computed a minute ago
   * from the coordinator's queue and the CPU CloudWatch then held. Auto Scaling combines what they ask.
   * `warm` counts the in-service instances past their warmup: the base a scale-out multiplies.
   */
  private async scale(warming: boolean, warm: number): Promise<void> {
    const pending = this.count('pending');
    const current = this.count('InService') + pending;
    const cpuPoints = available(this.datapoints, this.now);
    for (const dp of cpuPoints) {
      this.busyLookback.push(dp.busyInstances);
      if (this.busyLookback.length > this.o.scaling.scaleInLookbackMinutes) this.busyLookback.shift();
    }
    const fresh = cpuPoints.length > 0;
    const cpu = cpuPoints.at(-1)?.value;
    if (fresh) this.cpuSeen = cpu;
    const policies: { tracker: TargetTracker; proposal: TrackerProposal; scaleInDisabled?: boolean }[] = [];
    // The step multiplies the instances the datapoint was averaged over: a datapoint that arrives after
    // new instances finished warming still describes the fewer that made it, and multiplying the larger
    // count by it would ask for capacity twice (the alarm stays in ALARM and acts every minute).
    const base = cpuPoints.at(-1)?.instances ?? warm;
    if (fresh) policies.push({ tracker: this.tracker, proposal: this.tracker.assess(cpu, current, this.o.minCapacity, this.o.maxCapacity, Math.min(warm, base) || warm), scaleInDisabled: this.o.targetTracking.disableScaleIn });

    if (this.o.policy === 'signals') {
      const queued = this.waitingQueries.length - this.waitingHead;
      const decision = decideScaling(
        {
          capacity: current,
          minCapacity: this.o.minCapacity,
          maxCapacity: this.o.maxCapacity,
          queued,
          running: this.runningQueries,
          finishedPerMinute: this.finishedThisMinute,
          backlogGrowthPerMinute: queued - this.queuedLastMinute,
          cpuPercent: this.cpuSeen,
          busyInstances: this.busyLookback.map((busy, i) => ({ minutesAgo: this.busyLookback.length - i, busy })),
          launching: pending,
          warm,
        },
        { ...this.o.scaling, targetCpuPercent: this.o.targetCpu },
      );
      this.decisions[decision.rule] = (this.decisions[decision.rule] ?? 0) + 1;
      this.ratioDatapoints.push({ availableAt: this.now + this.o.signalDelaySeconds, value: decision.ratio });
      this.queuedLastMinute = queued;
      const ratios = available(this.ratioDatapoints, this.now);
      if (ratios.length > 0) policies.push({ tracker: this.ratioTracker, proposal: this.ratioTracker.assess(ratios.at(-1)!.value, current, this.o.minCapacity, this.o.maxCapacity, warm) });
    }
    this.finishedThisMinute = 0;

    const acted = policies.length > 0 ? combineProposals(policies, warming || pending > 0) : undefined;
    if (acted && acted.desired !== this.desired) {
      this.desired = acted.desired;
      this.scalingActions++;
      if (acted.direction === 'in') this.lastScaleInAt = this.now;
      else if (this.now - this.lastScaleInAt <= FLAP_WINDOW_SECONDS) {
        this.flaps++;
        this.lastScaleInAt = -Infinity;
      }
    }
  }

  /** The agent's readings for the minute that just ended, kept for the detector's window. */
  private samplePressure(instance: Instance, load: number): void {
    const values = instance.pressure.sample(this.now, Math.min(1, load), this.isDegraded(instance));
    // The agent's RunningTasks, averaged over the minute, is the load the detector weighs pressure against.
    instance.pressureHistory.push({ t: this.now - 60, values, runningTasks: load * this.o.slotsPerInstance });
    const keep = this.o.stragglers.windowMinutes + 3;
    if (instance.pressureHistory.length > keep) instance.pressureHistory.splice(0, instance.pressureHistory.length - keep);
  }

  private queuedSlots(): number {
    let s = 0;
    for (let k = this.waitingHead; k < this.waitingQueries.length; k++) s += this.queries[this.waitingQueries[k]].slots;
    return s;
  }

  private async sweep(): Promise<void> {
    const faults = this.o.faults;
    this.dyingAfter = faults && this.rng.next() < faults.dieMidSweepRate ? this.rng.int(20) : Infinity;
    if (this.dyingAfter !== Infinity) this.injected.deadSweeps++;
    try {
      await this.handlers!.sweep();
    } catch {
      // A sweep that died (or whose Describe failed) is simply followed by the next one.
    }
    this.dyingAfter = Infinity;
  }

  private async deliver(instance: Instance, time: number): Promise<void> {
    const body = JSON.stringify({
      version: '0',
      id: `sim-${instance.id}-${time}`,
      'detail-type': TERMINATE_ACTION_DETAIL_TYPE,
      source: 'aws.autoscaling',
      account: '123456789012',
      time: new Date(time * 1000).toISOString(),
      region: 'sim-1',
      resources: [],
      detail: { AutoScalingGroupName: GROUP, LifecycleHookName: HOOK, EC2InstanceId: instance.id, LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', LifecycleActionToken: 'sim' },
    });
    const record = { messageId: `${instance.id}-${this.events}`, body } as SQSRecord;
    try {
      await this.handlers!.events({ Records: [record] });
    } catch {
      // Redelivery is SQS's job; the sweep covers it here.
    }
  }

  /** The agent's "worker drained" report arrives on the drain queue, stamped by SQS with its sender. */
  private async report(instance: Instance): Promise<void> {
    if (instance.state !== 'Terminating:Wait') return;
    this.drainReports++;
    const body = formatDrainReport({
      instanceId: instance.id,
      groupName: GROUP,
      stoppedAt: instance.stopAt! * 1000,
      drainedAt: instance.drainedAt! * 1000,
      drainedBy: 'coordinator',
    });
    const record = { messageId: `report-${instance.id}`, body, attributes: { SenderId: `${WORKER_ROLE_ID}:${instance.id}` } } as unknown as SQSRecord;
    try {
      await this.handlers!.events({ Records: [record] });
    } catch {
      // As with events: the durable record and the sweep cover a failed pass.
    }
  }

  /** The naive baseline: every minute, complete waiting instances that run nothing; force at the timeout. */
  private async cronCheck(): Promise<void> {
    for (const i of [...this.instances.values()]) {
      if (i.state !== 'Terminating:Wait') continue;
      if (i.busy === 0 || this.now >= i.waitStartedAt! + this.o.drainTimeoutSeconds) {
        await this.fleet.completeLifecycleAction({ instanceId: i.id, groupName: GROUP }, HOOK);
      }
    }
  }

  private checkInvariants(): void {
    for (const i of this.instances.values()) {
      // Its deadline (a replaced straggler's is longer) + 2 sweeps.
      if (i.state === 'Terminating:Wait' && this.now > this.deadlineOf(i) + FORCE_MARGIN_SECONDS) this.pastDeadline.add(i.id);
    }
  }

  private account(time: number): void {
    this.instanceSeconds += this.instances.size * (time - this.lastAccounted);
    this.lastAccounted = time;
  }

  private result(): SimResult {
    for (const p of this.pool.splice(0)) this.leavePool(p);
    const completedTwice = [...this.fleet.completions.values()].filter((n) => n > 1).length;
    return {
      policy: this.o.policy,
      drainTimeoutSeconds: this.o.drainTimeoutSeconds,
      instanceHours: (this.instanceSeconds + (this.o.warmPool ? this.poolStats.runningSeconds : 0)) / 3600,
      queries: this.queries.length,
      queriesCompleted: this.completed,
      queriesKilled: this.killed,
      killedSeconds: this.killedSeconds,
      queueDelayP50S: percentile(this.queueDelays, 50),
      queueDelayP95S: percentile(this.queueDelays, 95),
      queryLatencyP50S: percentile(this.latencies, 50),
      queryLatencyP95S: percentile(this.latencies, 95),
      drainSecondsP50: percentile(this.drainSeconds, 50),
      drainSecondsP99: percentile(this.drainSeconds, 99),
      drainedToCompletedP50S: percentile(this.drainedToCompleted, 50),
      drainedToCompletedP99S: percentile(this.drainedToCompleted, 99),
      forcedTerminations: this.forced,
      gracefulTerminations: this.graceful,
      instancesMax: this.instancesMax,
      events: this.events,
      killedDurations: this.killedDurations,
      drainSeconds: this.drainSeconds,
      drainedToCompleted: this.drainedToCompleted,
      drainReports: this.drainReports,
      scalingActions: this.scalingActions,
      flaps: this.flaps,
      ...(this.o.policy === 'signals' ? { decisions: { ...this.decisions } } : {}),
      timeline: this.timeline,
      invariants:
        drains(this.o.policy)
          ? {
              terminatedBusyBeforeDeadline: this.terminatedBusyBeforeDeadline,
              waitingPastDeadline: this.pastDeadline.size,
              completedTwiceWithEffect: completedTwice,
              completedInUnsafeWindow: this.completedInUnsafeWindow,
            }
          : undefined,
      ...(this.o.faults ? { faultsInjected: { ...this.injected } } : {}),
      ...(this.o.degraded > 0 || this.detectStragglers ? { stragglers: this.stragglerReport() } : {}),
      ...(this.o.warmPool ? { warmPool: this.warmPoolReport() } : {}),
    };
  }

  private warmPoolReport(): WarmPoolReport {
    const { launched, started, launchedDirect, runningSeconds, stoppedSeconds, largest } = this.poolStats;
    return { launched, started, launchedDirect, runningHours: runningSeconds / 3600, stoppedHours: stoppedSeconds / 3600, largest };
  }

  private stragglerReport(): StragglerReport {
    const called = [...this.firstCalled.entries()];
    // A verdict before the instance's onset was a false one, even if the instance degraded later.
    const right = called.filter(([id, at]) => this.degradedSeen.has(id) && at >= this.degradedSeen.get(id)!);
    const delays = right.map(([id, at]) => at - this.degradedSeen.get(id)!);
    const injected = this.degradedSeen.size;
    return {
      injected,
      replaced: this.replacedDegraded,
      falseReplacements: this.replacedHealthy,
      detected: called.length,
      falseDetections: called.length - right.length,
      precision: called.length === 0 ? 1 : right.length / called.length,
      recall: injected === 0 ? 1 : right.length / injected,
      detectionDelayP50S: percentile(delays, 50),
      detectionDelayP95S: percentile(delays, 95),
      slowedQueries: this.slowedQueries,
    };
  }
}

/** Takes from a delay queue the datapoints visible at `now`, oldest first. */
function available<T extends { availableAt: number }>(queue: T[], now: number): T[] {
  let k = 0;
  while (k < queue.length && queue[k].availableAt <= now) k++;
  return queue.splice(0, k);
}

function fail(message: string): never {
  throw new Error(message);
}
