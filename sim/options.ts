/** What a simulation run is asked to do: the policy, the fleet, the faults, and their defaults. */
import { TRINO_DEFAULT_GRACE_SECONDS } from '../core/drain';
import { DEFAULT_SCALING_POLICY, ScalingPolicySettings } from '../core/scaling-policy';
import { DEFAULT_TARGET_TRACKING, TargetTrackingParams } from './target-tracking';
import { DEFAULT_STRAGGLER_SETTINGS, StragglerSettings } from '../core/stragglers';
import { DEFAULT_PRESSURE_MODEL, PressureModel } from './pressure';
import { DEFAULT_ENGINE, EngineName } from './engine';
import { DEFAULT_DRAIN_EXTENSION, DrainExtensionSettings } from '../core/drain-extension';
import { DEFAULT_SCALE_IN_GATE, ScaleInGateSettings } from '../core/scale-in-gate';
import { DEFAULT_REMAINING_QUANTILE } from '../core/remaining-time';

export { DEFAULT_ENGINE, ENGINES } from './engine';
export type { EngineName } from './engine';

/**
 * signals: this project in full: our drain, CPU target tracking, and the scaling decision on the
 * coordinator's queue (core/scaling-policy.ts) tracked by a second target tracking policy.
 * graceful-cpu: our drain under CPU target tracking alone. The rest are baselines.
 */
export type PolicyName = 'signals' | 'graceful-cpu' | 'no-hook' | 'cron-timeout' | 'static-peak';
export const POLICIES: readonly PolicyName[] = ['signals', 'graceful-cpu', 'no-hook', 'cron-timeout', 'static-peak'];

/** The policies that run our drain controller. */
export const drains = (policy: PolicyName): boolean => policy === 'signals' || policy === 'graceful-cpu';

/** A scale-in followed by a scale-out within this many seconds is a flap. */
export const FLAP_WINDOW_SECONDS = 15 * 60;

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

export type ScaleInMode = 'agree' | 'gate';
export const SCALE_IN_MODES: readonly ScaleInMode[] = ['agree', 'gate'];

export const DEFAULT_FAULTS: FaultOptions = { apiErrorRate: 0.05, lostEventRate: 0.2, duplicateEventRate: 0.2, dieMidSweepRate: 0.1 };

export interface SimOptions {
  readonly policy: PolicyName;
  /**
   * Where a query's tasks run and what a shutdown or a death does to them (sim/engine.ts).
   * @default 'trino'
   */
  readonly engine?: EngineName;
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
  /**
   * signals: the scale-in gate (core/scale-in-gate.ts) and the quantile its predictions of remaining run
   * time use (core/remaining-time.ts); the drain timeout comes from `drainTimeoutSeconds`.
   */
  readonly scaleInGate: Omit<ScaleInGateSettings, 'drainTimeoutSeconds'> & { readonly quantile: number };
  /**
   * signals: how the fleet scales in. `agree`: when both target tracking policies (CPU and the decision's
   * ratio) agree, as the product deploys today. `gate`: both have DisableScaleIn and the scale-in gate's step
   * policy is the only way in (core/scale-in-gate.ts); measured in docs/scaling.md, not yet deployed.
   * @default 'agree'
   */
  readonly scaleInMode?: ScaleInMode;
  /**
   * A predictive scaling policy beside the dynamic ones, in ForecastAndScale mode on the CPU pair
   * (sim/predictive.ts). Off by default, as the stacks deploy it: forecast only, which changes no
   * capacity (docs/scaling.md, "Predictive scaling").
   */
  readonly predictiveScaling?: boolean;
  /**
   * signals: the drain's price check (core/drain-extension.ts), which moves a drain's deadline when the
   * queries its force would kill are worth more than waiting for them. On by default, as the stack deploys
   * it for every fleet with signals; off when absent.
   */
  readonly drainExtension?: DrainExtensionSettings;
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
  /** The full policy (`signals`) detects stragglers and replaces them (lambdas/stragglers/handler.ts). */
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
  engine: DEFAULT_ENGINE,
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
  scaleInGate: { ...DEFAULT_SCALE_IN_GATE, quantile: DEFAULT_REMAINING_QUANTILE },
  drainExtension: DEFAULT_DRAIN_EXTENSION,
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
