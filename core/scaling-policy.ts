/**
 * The scaling decision on a fleet's work, not only its CPU: an ordered chain of deterministic rules in
 * LinkedIn Sage's manner (first rule that applies wins, every decision names its rule and inputs), whose
 * scale-out rules are Google Cloud Dataflow's streaming autoscaler and whose scale-in rule carries
 * Dataflow's preconditions and projected-CPU test. Pure: no SDK, no clock.
 *
 * The output is the capacity the fleet needs, expressed as a ratio to its current capacity. Auto Scaling
 * tracks that ratio at 1.0 with its own target tracking policy, beside the CPU policy: it scales out
 * when either asks and in only when both agree (Auto Scaling user guide, "Multiple dynamic scaling
 * policies"). Nothing here sets desired capacity.
 */

/** One fleet's signals over the last minute, from its coordinator and CloudWatch. */
export interface FleetSignals {
  /** Instances in service or launching, as Auto Scaling counts its current capacity: the ratio is relative to it. */
  readonly capacity: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Queries waiting for a slot now (Dataflow's backlog). */
  readonly queued: number;
  /** Queries running now. */
  readonly running: number;
  /** Queries finished over the last minute (Dataflow's throughput T, per minute). */
  readonly finishedPerMinute: number;
  /** Change of `queued` over the last minute (Dataflow's backlog growth G, per minute). */
  readonly backlogGrowthPerMinute: number;
  /** The group's average CPU over the last minute; undefined when CloudWatch has no datapoint. */
  readonly cpuPercent: number | undefined;
  /**
   * The load over the scale-in lookback (`scaleInLookbackMinutes`), one entry per minute CloudWatch has:
   * the per-minute Sum of the group's CPUUtilization ÷ 100, instances' worth of CPU busy. Load, not
   * utilization, so a minute before a capacity change counts at its true size. Empty when CloudWatch has none.
   */
  readonly busyInstances: readonly BusyMinute[];
  /** Instances launching, not yet in service: a scale-out in flight, part of `capacity` but of no throughput yet. */
  readonly launching: number;
  /**
   * Instances in service and past their warmup: the capacity Auto Scaling multiplies a scale-out's metric
   * by. Warming instances are already in the desired capacity but not in that base, which is how several
   * alarm breaches during a warmup make one scale-out, not a chain ("Step and simple scaling policies":
   * current capacity is the instances "that have passed their warmup"; "Set the default instance warmup":
   * "continuously (but not excessively) scale out").
   */
  readonly warm: number;
}

/** One minute of load: `minutesAgo` counts back from the decision (1 is the last complete minute). */
export interface BusyMinute {
  readonly minutesAgo: number;
  readonly busy: number;
}

/** The numbers an operator tunes (docs/scaling.md). */
export interface ScalingPolicySettings {
  /** Dataflow's R: how fast a backlog should clear, in seconds. */
  readonly targetBacklogSeconds: number;
  /** The CPU the fleet is sized for (the CPU policy's target). Scale-in never projects above it. */
  readonly targetCpuPercent: number;
  /**
   * A backlog that clears within this many seconds is noise (Trino queues briefly under any real load):
   * it neither scales out nor blocks a scale-in. Without it, ceil(M·(1 + B/R)) adds an instance for a
   * single query waiting half a second.
   */
  readonly toleratedBacklogSeconds: number;
  /** Minutes of CPU history a scale-in sizes for (its peak); 1 sizes for the last minute alone. */
  readonly scaleInLookbackMinutes: number;
  /**
   * Minutes ahead a scale-in sizes for: the lookback's load trend, projected this far past its newest
   * minute, counts when it is above the peak. 0 sizes for the peak alone.
   */
  readonly scaleInHorizonMinutes: number;
}

export const DEFAULT_SCALING_POLICY: Omit<ScalingPolicySettings, 'targetCpuPercent'> = {
  targetBacklogSeconds: 120,
  toleratedBacklogSeconds: 10,
  scaleInLookbackMinutes: 8,
  // Target tracking's low alarm needs 15 one-minute datapoints after a scale-in before the next one can
  // happen (what AWS creates in practice; sim/target-tracking.ts), so a scale-in's capacity has to carry
  // the load about that long.
  scaleInHorizonMinutes: 15,
};

export type ScalingRule =
  /** No CPU datapoint and no work: nothing to decide on; no ratio is published. */
  | 'no-data'
  /**
   * Sage: no scale-in while a scale-out is in flight (scale-out still may). Scale-ins are one at a time by
   * target tracking's own low alarm, which needs 15 fresh minutes after each action; draining instances
   * do not hold the decision, or every drain would restart that count.
   */
  | 'action-in-flight'
  /** Queued work and nothing finishing: the fleet is stuck or empty; add at least one instance. */
  | 'stalled'
  /** Dataflow catch-up and keep-up: capacity to absorb growth and clear the backlog in R. */
  | 'backlog'
  /** Backpressure: the backlog needs more than the maximum; the fleet stays at it, queueing. */
  | 'capacity-ceiling'
  /** Dataflow's safe downscale: low backlog time, no growth, and CPU low enough to project under target. */
  | 'scale-in'
  /** Nothing to change. */
  | 'hold';

export interface ScalingDecision {
  readonly rule: ScalingRule;
  /** Whole instances the fleet needs, within [min, max]; undefined with `no-data`. */
  readonly needed?: number;
  /**
   * The metric tracked at 1.0: the unrounded need ÷ capacity, so that target tracking's own proportional
   * step, ceil(capacity × ratio), lands on `needed`. Exactly 1 when the rule holds. Undefined with `no-data`.
   */
  readonly ratio?: number;
  /** Backlog time B in seconds (queued ÷ throughput); Infinity when nothing finishes. */
  readonly backlogSeconds: number;
  /** The inputs the rule used, for the decision log. */
  readonly inputs: FleetSignals;
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/** The rule chain, in order; the first that applies decides. */
export function decideScaling(s: FleetSignals, p: ScalingPolicySettings): ScalingDecision {
  const throughputPerSecond = s.finishedPerMinute / 60;
  const backlogSeconds = s.queued === 0 ? 0 : throughputPerSecond > 0 ? s.queued / throughputPerSecond : Infinity;
  const base = { backlogSeconds, inputs: s };
  const capacity = Math.max(s.capacity, 0);
  const decide = (rule: ScalingRule, raw: number): ScalingDecision => {
    const exact = clamp(Math.round(raw * 1e9) / 1e9, s.minCapacity, s.maxCapacity);
    const needed = Math.ceil(exact);
    if (needed === capacity) return { ...base, rule, needed, ratio: 1 };
    // A scale-out is relative to the warm instances, the base Auto Scaling multiplies by: ceil(warm × ratio)
    // lands on `needed` however many instances still warm up. A scale-in happens only with none warming
    // (Auto Scaling holds scale-in until they finish), so its base is the whole capacity.
    const relativeTo = needed > capacity ? Math.min(capacity, Math.max(0, s.warm)) : capacity;
    // With no warm instance the proportional step, ceil(0 × ratio), adds nothing whatever the ratio: the
    // ratio is then the instances needed, for the log, and a fleet at zero scales out on its own step
    // policy (SCALE_FROM_ZERO), never on this ratio.
    return { ...base, rule, needed, ratio: relativeTo === 0 ? needed : exact / relativeTo };
  };

  if (s.cpuPercent === undefined && s.queued === 0 && s.running === 0) return { ...base, rule: 'no-data' };

  if (s.queued > 0 && backlogSeconds > p.toleratedBacklogSeconds) {
    if (throughputPerSecond === 0) {
      // Dataflow's formulas divide by T; with none, add one instance per step until work flows.
      return decide(capacity >= s.maxCapacity ? 'capacity-ceiling' : 'stalled', capacity + 1);
    }
    // Keep up: M·(T+G)/T absorbs the growth; catch up: M·B/R more clears the backlog in R. Take the larger.
    // M is the instances that produced T: those still launching add nothing to T yet, and counting them
    // would ask for more every minute until they serve (Sage: the action in flight is already asked for).
    const serving = Math.max(1, capacity - s.launching);
    const keepUp = (serving * (s.finishedPerMinute + Math.max(0, s.backlogGrowthPerMinute))) / s.finishedPerMinute;
    const catchUp = serving + (serving * backlogSeconds) / p.targetBacklogSeconds;
    const needed = Math.max(keepUp, catchUp);
    if (needed > capacity) return decide(capacity >= s.maxCapacity ? 'capacity-ceiling' : 'backlog', needed);
  }

  // Dataflow downscales only with no backlog growth. A queue going from 0 to 1 is growth that means
  // nothing, so growth counts when a minute more of it would take the backlog past the tolerated time.
  const backlogInAMinute = throughputPerSecond > 0 ? (s.queued + Math.max(0, s.backlogGrowthPerMinute)) / throughputPerSecond : s.queued + s.backlogGrowthPerMinute > 0 ? Infinity : 0;
  const projected = projectedBusy(s.busyInstances, p.scaleInHorizonMinutes);
  if (backlogInAMinute <= p.toleratedBacklogSeconds && s.cpuPercent !== undefined && projected !== undefined && s.cpuPercent < p.targetCpuPercent) {
    // Projected CPU after removing instances stays at or under the target: M' = ceil(busy·100/target),
    // with busy the lookback's peak load, or its trend over the horizon when that is higher: a fleet sized
    // for one quiet minute, or for a load still rising, scales straight back out.
    const busy = Math.max((s.cpuPercent * capacity) / 100, projected);
    const needed = Math.max(s.minCapacity, (busy * 100) / p.targetCpuPercent);
    if (Math.ceil(Math.round(needed * 1e9) / 1e9) < capacity) {
      // None while instances launch: their load is not in the CPU yet.
      if (s.launching > 0) return decide('action-in-flight', capacity);
      return decide('scale-in', needed);
    }
  }
  return decide('hold', capacity);
}

/**
 * The load a scale-in sizes for: the lookback's peak, or, when higher, its least-squares trend carried
 * `horizonMinutes` past the newest minute. The trend needs 3 minutes; with fewer the peak stands alone.
 * Undefined with no load history. A falling or flat trend never lowers the answer below the peak.
 */
export function projectedBusy(history: readonly BusyMinute[], horizonMinutes: number): number | undefined {
  if (history.length === 0) return undefined;
  let peak = -Infinity;
  for (const m of history) peak = Math.max(peak, m.busy);
  if (horizonMinutes <= 0 || history.length < 3) return peak;
  // x is minutes from now (negative into the past); y is the load.
  let sx = 0;
  let sy = 0;
  for (const m of history) {
    sx -= m.minutesAgo;
    sy += m.busy;
  }
  const n = history.length;
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let newest = -Infinity;
  for (const m of history) {
    const dx = -m.minutesAgo - mx;
    sxy += dx * (m.busy - my);
    sxx += dx * dx;
    newest = Math.max(newest, -m.minutesAgo);
  }
  if (sxx === 0) return peak;
  return Math.max(peak, my + (sxy / sxx) * (newest + horizonMinutes - mx));
}

/**
 * Scaling out from zero. Target tracking cannot: its step is proportional, ceil(current × metric ÷ target),
 * which is 0 from 0 whatever the metric, and a fleet at 0 has no CPU datapoint at all ("A target tracking
 * scaling policy does not scale ... when the specified metric has insufficient data", Auto Scaling user
 * guide, "Target tracking scaling policies"). AWS's own way out of zero is a step scaling policy on a
 * CloudWatch alarm that fires when work arrives with no capacity to take it (SageMaker developer guide,
 * "Scale an endpoint to zero instances": ChangeInCapacity 1 on an alarm of 1 datapoint of 60 s).
 *
 * Here the alarm watches metric math over two 1-minute Maximums: the group's GroupInServiceInstances
 * (group metrics collection, on for every fleet) and the signals function's QueuedQueries, as
 * IF(inService == 0 AND queued > 0, 1, 0) (CloudWatch user guide, "Using math expressions with CloudWatch
 * metrics": IF, comparison and logical operators). Missing data is not breaching, so a minute the function
 * could not read the coordinator never scales. The policy adds one instance to the warm current capacity;
 * instances still warming are not in it ("Step and simple scaling policies", "Instance warm-up"), so the
 * alarm staying in ALARM while the first instance launches changes nothing, and once it is in service the
 * alarm clears and the two target tracking policies size the fleet.
 */
export const SCALE_FROM_ZERO = {
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 1,
  adjustmentType: 'ChangeInCapacity',
  adjustment: 1,
} as const;

/** The alarm's metric math (CloudWatch metric math IF); scaleFromZeroMetric below is its value, for the simulator. */
export const SCALE_FROM_ZERO_EXPRESSION = 'IF(inService == 0 AND queued > 0, 1, 0)';

/** The alarm's metric math, SCALE_FROM_ZERO_EXPRESSION, for the simulator and the tests. */
export function scaleFromZeroMetric(inService: number, queued: number): number {
  return inService === 0 && queued > 0 ? 1 : 0;
}
