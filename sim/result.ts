/** What a simulation run returns: SimResult, the warm-pool and straggler reports, the invariants. */
import { ScalingRule } from '../core/scaling-policy';
import type { ScaleInGateRule } from '../core/scale-in-gate';
import type { DrainExtensionRule } from '../core/drain-extension';
import { EngineName, PolicyName } from './options';

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
  /** The engine model the run used (sim/engine.ts). */
  readonly engine: EngineName;
  readonly drainTimeoutSeconds: number;
  readonly instanceHours: number;
  readonly queries: number;
  readonly queriesCompleted: number;
  readonly queriesKilled: number;
  /** Task-slot seconds of work lost in killed queries. */
  readonly killedSeconds: number;
  /** trino-fte: tasks redone on another worker after theirs was terminated, and the seconds of task work redone. */
  readonly tasksRedone?: number;
  readonly redoneTaskSeconds?: number;
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
  /** Each killed query's full duration in the trace (what it would have run), in kill order. */
  readonly killedDurations: readonly number[];
  /** When each query was killed, in simulated seconds from the trace's start (in the same order). */
  readonly killedAt: readonly number[];
  /** How long each killed query had run when it was killed (its age at the kill), in seconds. */
  readonly killedAges: readonly number[];
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
  /** Signals policy: how many minutes each rule of the scale-in gate decided, when the load asked for a scale-in. */
  readonly scaleInGate?: Partial<Record<ScaleInGateRule, number>>;
  /** Signals policy with the drain's price check: how many drain-minutes near a deadline each of its rules decided. */
  readonly drainExtensions?: Partial<Record<DrainExtensionRule, number>>;
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
