/**
 * The simulation's state, shared by its components (group, workers, autoscaling, wiring, faults, tally):
 * the model's types, every counter and queue, and the methods one component calls on another, which
 * FleetSimulation (fleet-sim.ts) implements. Components import this file and never each other.
 */
import { AGENT_TASK_METRIC } from '../core/contract/lambda-settings';
import { DRAIN_HOOK_NAME } from '../core/contract/names';
import { makeDrainEventsHandler } from '../lambdas/drain/events';
import { makeDrainSweepHandler } from '../lambdas/drain/sweep';
import { makeTerminationPolicyHandler } from '../lambdas/drain/termination-policy';
import { DrainStore, Fleet } from '../core/ports';
import { EventQueue } from './heap';
import { MemoryDrainStore, MemoryFleet, MemoryInstance } from './memory-ports';
import { Rng } from './rng';
import { ScalingRule } from '../core/scaling-policy';
import { DurationHistory } from '../core/remaining-time';
import { DrainExtensionRule } from '../core/drain-extension';
import { INITIAL_GATE_STATE, ScaleInGateRule, ScaleInGateState } from '../core/scale-in-gate';
import { TargetTracker } from './target-tracking';
import { Query } from './trace';
import { makeStragglerHandler } from '../lambdas/stragglers/handler';
import { WorkerPressureState } from './pressure';
import { PressureRing } from './pressure-ring';
import { SimOptions } from './options';
import { SimResult } from './result';
import { DEFAULT_ENGINE, EngineName, LoadIndex, spreads } from './engine';
import { Memberships, RunSet } from './run-set';
import { BusyHistory } from './busy-history';

export const HOOK = DRAIN_HOOK_NAME;
export const GROUP = 'sim-workers';
export const ZONE = 'sim-1a';
export const AGENT_PERIOD = AGENT_TASK_METRIC.periodSeconds;
/** The simulated workers' instance-profile role id: SQS stamps reports with `<role id>:<instance id>`. */
export const WORKER_ROLE_ID = 'AROASIMULATEDWORKER01';

export interface Run {
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
  /**
   * Trino models: the query's tasks, one per worker it runs on (a redone task can share a worker with
   * another of the same query), and the work position (seconds of the query's run) its finish event
   * stands for; `remaining` then counts down to `target`. Absent under `executors`.
   */
  tasks?: Task[];
  target?: number;
  /** trino-fte: the query's tasks run in `lanes` parallel lanes, a step of `stepWork` seconds at a time; steps still to place. */
  fte?: { readonly lanes: number; readonly share: number; readonly stepWork: number; stepsLeft: number };
  /** Executors: its membership in its worker's runs (RunSet). */
  node?: number;
}

/** A query's task on one worker: `share` slots busy from work position `startWork` to `endWork`. */
export interface Task {
  instance: Instance;
  readonly share: number;
  startWork: number;
  endWork: number;
  /** Its query's membership in its worker's runs, shared by the query's tasks there (RunSet). */
  node: number;
}

export interface Instance {
  readonly id: string;
  state: 'pending' | 'InService' | 'Terminating:Wait' | 'Terminated';
  readonly launchedAt: number;
  warmUntil: number;
  busy: number;
  accepting: boolean;
  /** The queries with a task (executors: running) on it, in the order they came. */
  readonly runs: RunSet<Run>;
  waitStartedAt?: number;
  /** When the agent sent `SHUTTING_DOWN`; when the coordinator saw it; when the worker was truly drained. */
  stopAt?: number;
  noticedAt?: number;
  drainedAt?: number;
  /** Busy-slot changes, for the agent's metric; trimmed to what a read can ask for. */
  readonly history: BusyHistory;
  busySlotSeconds: number;
  lastChange: number;
  /** When it turns (or turned) degraded; undefined for a healthy instance. */
  degradedAt?: number;
  readonly pressure: WorkerPressureState;
  /** The agent's pressure readings, one per minute (stamped at the minute's start), as CloudWatch holds them for the straggler function's window. */
  readonly pressureReadings: PressureRing;
  /** Marked unhealthy by the straggler function. */
  unhealthy: boolean;
  /** Trino models: when the coordinator's memoized node map dropped it (no new task after this). */
  unschedulableAt?: number;
  /** Trino models: the agent's decisive zero count, and the drain's version (a task landing before that count cancels the report). */
  detectedAt?: number;
  drainVersion?: number;
  /** Its place in the dispatcher's LoadIndex while it is there. */
  loadSlot?: number;
}

export type Event =
  | { kind: 'arrive'; index: number }
  | { kind: 'finish'; run: Run; version: number }
  | { kind: 'degrade'; instance: Instance }
  | { kind: 'launched'; instance: Instance }
  | { kind: 'agent-stop'; instance: Instance }
  | { kind: 'coordinator-notice'; instance: Instance }
  | { kind: 'deliver'; instance: Instance; time: number }
  | { kind: 'report'; instance: Instance; version?: number }
  | { kind: 'node-map'; instance: Instance }
  | { kind: 'minute' };

export abstract class SimState {
  now = 0;
  readonly queue = new EventQueue<Event>();
  readonly instances = new Map<string, Instance>();
  /** Accepting InService instances by busy slots: least-loaded dispatch in O(slots). */
  readonly byLoad: Set<Instance>[];
  readonly engine: EngineName;
  /** Trino models: accepting workers by fractional busy slots (byLoad is the executors' index). */
  readonly loads?: LoadIndex<Instance>;
  /** Every worker's runs (Instance.runs) are kept here. */
  readonly memberships = new Memberships<Run>();
  /** trino-fte: tasks redone on another worker after theirs was terminated, and the seconds of task work redone. */
  tasksRedone = 0;
  redoneTaskSeconds = 0;
  readonly waitingQueries: number[] = [];
  waitingHead = 0;
  readonly queueDelays: number[] = [];
  readonly killedDurations: number[] = [];
  readonly killedAt: number[] = [];
  readonly killedAges: number[] = [];
  readonly drainSeconds: number[] = [];
  readonly drainedToCompleted: number[] = [];
  completedInUnsafeWindow = 0;
  drainReports = 0;
  readonly timeline: SimResult['timeline'][number][] = [];
  readonly rng: Rng;
  readonly tracker: TargetTracker;
  readonly ratioTracker: TargetTracker;
  /** The group's average CPU each minute, with the warm instances it was averaged over (the base its step multiplies). */
  readonly datapoints: { availableAt: number; value: number | undefined; busyInstances: number; instances: number }[] = [];
  readonly ratioDatapoints: { availableAt: number; value: number | undefined }[] = [];
  /** signals: the scale-in gate's requests (ScaleInRequest datapoints) on their way to the step policy's alarm. */
  readonly scaleInRequests: { availableAt: number; value: number }[] = [];
  /** signals: the fleet's finished queries' run times, which the gate's predictions read (the signals function's history). */
  readonly durationHistory = new DurationHistory();
  gateState: ScaleInGateState = INITIAL_GATE_STATE;
  readonly gateRules: Partial<Record<ScaleInGateRule, number>> = {};
  readonly drainRules: Partial<Record<DrainExtensionRule, number>> = {};
  /** The newest CPU datapoint the alarms (and the decision function, reading CloudWatch) have seen. */
  cpuSeen: number | undefined;
  /** The group's busy instances (Sum of CPU ÷ 100) per minute over the decision's scale-in lookback, newest last. */
  readonly busyLookback: number[] = [];
  finishedThisMinute = 0;
  queuedLastMinute = 0;
  scalingActions = 0;
  flaps = 0;
  lastScaleInAt = -Infinity;
  readonly decisions: Partial<Record<ScalingRule, number>> = {};
  desired: number;
  seq = 0;
  events = 0;
  instanceSeconds = 0;
  lastAccounted = 0;
  instancesMax = 0;
  demandSlots = 0;
  runningQueries = 0;
  completed = 0;
  killed = 0;
  killedSeconds = 0;
  forced = 0;
  graceful = 0;
  terminatedBusyBeforeDeadline = 0;
  readonly pastDeadline = new Set<string>();
  horizon = 0;
  readonly fleet: MemoryFleet;
  readonly store = new MemoryDrainStore();
  handlers?: {
    sweep: ReturnType<typeof makeDrainSweepHandler>;
    events: ReturnType<typeof makeDrainEventsHandler>;
    choose: ReturnType<typeof makeTerminationPolicyHandler>;
  };
  dyingAfter = Infinity;
  readonly injected = { apiErrors: 0, lostEvents: 0, duplicateEvents: 0, deadSweeps: 0 };
  readonly latencies: number[] = [];
  /** Pressure noise and degradation draw from their own streams, so `--degraded` leaves the rest of a run's randomness alone. */
  readonly pressureRng: Rng;
  readonly degradeRng: Rng;
  detectStragglers?: ReturnType<typeof makeStragglerHandler>;
  /** The straggler function's last BottleneckedMinutes per instance, as the termination policy reads them. */
  bottlenecked = new Map<string, number>();
  readonly degradedSeen = new Map<string, number>();
  readonly firstCalled = new Map<string, number>();
  replacedDegraded = 0;
  replacedHealthy = 0;
  slowedQueries = 0;
  /** The warm pool, oldest first: each stopped once `readyAt` (seconds) has passed. */
  readonly pool: { readyAt: number }[] = [];
  readonly poolStats = { launched: 0, started: 0, launchedDirect: 0, runningSeconds: 0, stoppedSeconds: 0, largest: 0 };
  /** Deadlines the straggler function moved (seconds), by instance. */
  readonly deadlines = new Map<string, number>();

  constructor(
    readonly queries: readonly Query[],
    readonly o: SimOptions,
  ) {
    this.rng = new Rng(o.seed);
    this.pressureRng = new Rng(o.seed ^ 0x5eed1e55);
    this.degradeRng = new Rng(o.seed ^ 0x0de9ade5);
    this.byLoad = Array.from({ length: o.slotsPerInstance + 1 }, () => new Set<Instance>());
    this.engine = o.engine ?? DEFAULT_ENGINE;
    if (spreads(this.engine)) this.loads = new LoadIndex(o.slotsPerInstance);
    this.tracker = new TargetTracker({ target: o.targetCpu, ...o.targetTracking });
    // The second policy tracks the decision's needed-to-current ratio at 1.0, with the same managed alarms.
    this.ratioTracker = new TargetTracker({ ...o.targetTracking, target: 1, disableScaleIn: false });
    this.fleet = new MemoryFleet(() => this.now * 1000, (i) => this.onWaitEnded(i));
    this.desired = o.policy === 'static-peak' ? (o.staticCapacity ?? o.minCapacity) : o.minCapacity;
  }

  /** Puts a worker in the dispatcher (it accepts work). */
  enlist(i: Instance): void {
    if (this.loads) this.loads.add(i);
    else this.byLoad[i.busy].add(i);
  }

  /** Takes a worker out of the dispatcher; call before its busy changes. */
  delist(i: Instance): void {
    if (this.loads) this.loads.delete(i);
    else this.byLoad[i.busy]?.delete(i);
  }

  /** A query completed: its slots leave the demand, and its latency (and whether it ran slowed) is counted. */
  queryCompleted(run: Run): void {
    this.demandSlots -= run.query.slots;
    this.runningQueries--;
    this.completed++;
    this.finishedThisMinute++;
    this.latencies.push(this.now - run.query.arrival);
    // The coordinator lists a finished query with its run time; the signals function records it.
    if (this.o.policy === 'signals' && (this.o.scaleInMode === 'gate' || this.o.drainExtension)) this.durationHistory.record(this.now - run.start, run.query.signature);
    if (run.rate < 1) this.slowedQueries++;
  }

  /** A query failed: its slots leave the demand, its slot-seconds so far are lost, and it waits again when killed queries retry. */
  queryKilled(run: Run): void {
    this.demandSlots -= run.query.slots;
    this.runningQueries--;
    this.killed++;
    this.killedSeconds += (this.now - run.start) * run.query.slots;
    this.killedDurations.push(run.query.duration);
    this.killedAt.push(this.now);
    this.killedAges.push(this.now - run.start);
    if (this.o.retryKilled) this.waitingQueries.push(run.index);
  }

  abstract applyDesired(): Promise<void>;
  abstract becameDrained(instance: Instance): void;
  abstract beginTermination(instance: Instance): void;
  abstract checkInvariants(): void;
  abstract count(state: Instance['state']): number;
  abstract cronCheck(): Promise<void>;
  abstract deadlineOf(instance: Instance): number;
  abstract dispatch(): void;
  abstract done(): boolean;
  abstract isDegraded(instance: Instance): boolean;
  abstract kill(run: Run): void;
  abstract launchIntoGroup(): void;
  abstract leavePool(p: { readyAt: number }): void;
  abstract onWaitEnded(m: MemoryInstance): void;
  abstract queuedSlots(): number;
  abstract samplePressure(instance: Instance, load: number): void;
  abstract sweep(): Promise<void>;
  abstract withFaults<T extends Fleet | DrainStore>(port: T): T;
}

/** Takes from a delay queue the datapoints visible at `now`, oldest first. */
export function available<T extends { availableAt: number }>(queue: T[], now: number): T[] {
  let k = 0;
  while (k < queue.length && queue[k].availableAt <= now) k++;
  return queue.splice(0, k);
}

export function fail(message: string): never {
  throw new Error(message);
}

/** A run's rate changes (a degraded instance): its progress so far is kept, and its finish moves; an older finish event is stale. */
export function setRate(sim: SimState, run: Run, rate: number): void {
  run.remaining -= (sim.now - run.since) * run.rate;
  run.since = sim.now;
  run.rate = rate;
  run.version++;
  sim.queue.push(sim.now + Math.max(0, run.remaining) / rate, { kind: 'finish', run, version: run.version });
}
