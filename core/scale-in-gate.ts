/**
 * When to make a scale-in the load asks for, knowing what it will cost the queries in flight. Pure: no SDK,
 * no clock. The signals function and the simulator run it every minute after the load decision
 * (core/scaling-policy.ts), which says how many instances the fleet could lose; this says whether to lose
 * them now.
 *
 * Why a gate is needed on Trino: under pipelined execution a query's tasks run on many workers (up to
 * `query.max-hash-partition-count`, 100) and a worker shutting down gracefully waits for every task on it
 * (GracefulShutdownHandler), so any removal waits for the long queries in flight; if one outlasts the
 * drain timeout, the forced termination fails it everywhere, and all the work it did is lost. Under
 * fault-tolerant execution (`retry-policy=TASK`) the lost task is redone elsewhere and the query survives.
 *
 * The rule is Karpenter's consolidation applied to query engines: weigh the disruption a removal causes
 * before acting. Here the disruption is exact enough to price: a query predicted (core/remaining-time.ts)
 * to run past the drain is killed, and its work so far is work nobody is paid for. Waiting instead keeps
 * the surplus instances, also unpaid. This is the ski-rental problem: pay rent (the surplus, by the
 * instance-second) until it adds up to the price of buying (the work the kills would lose), then buy. That
 * is never more than twice the better of the two choices in hindsight, and the prediction makes it better
 * than that whenever the long queries end soon: then the drain waits for them instead of killing.
 *
 * The gate acts only through Auto Scaling: it publishes how many instances to remove, which a step scaling
 * policy turns into a scale-in (SCALE_IN_REQUEST below). Nothing sets desired capacity.
 */

/** One query in flight, as the coordinator lists it and the history predicts it. */
export interface RunningQuery {
  readonly elapsedSeconds: number;
  /** Predicted remaining run time (a conservative quantile: core/remaining-time.ts). */
  readonly remainingSeconds: number;
  /**
   * The CPU it has burnt so far, in instances' worth of seconds (CPU seconds ÷ an instance's vCPUs): what
   * killing it throws away.
   */
  readonly workInstanceSeconds: number;
  /** It survives a worker's loss: Trino's `retry-policy` TASK (fault-tolerant execution) redoes the task elsewhere. */
  readonly survivesWorkerLoss: boolean;
}

/** Where a query's work sits: `spread` over many workers (Trino), or on the one worker running it (executors). */
export type Placement = 'spread' | 'per-worker';

export interface ScaleInGateSettings {
  /** The lifecycle hook's heartbeat timeout: how long a drain may last before the instance is terminated. */
  readonly drainTimeoutSeconds: number;
  /**
   * Seconds of the drain a query cannot use, counted from the gate's decision: the request reaching the
   * step policy's alarm and its action (up to two minutes: the datapoint's minute and the evaluation's), the
   * agent noticing the termination, the coordinator's node map refresh (5 s) and the worker's exit after
   * its last task. A query predicted to end later than the timeout less this is counted at risk.
   */
  readonly drainMarginSeconds: number;
  /** How much a lost instance-second of query work weighs against an instance-second of surplus. 1: both are unpaid. */
  readonly killCostWeight: number;
  /**
   * What a kill costs beyond its lost work, in instance-seconds: a failed query is an error its user sees
   * and resubmits, whatever it had burnt. Without it the gate kills young queries freely (their work is
   * small), which is cheap in CPU and exactly what an operator counts against it.
   */
  readonly killPenaltyInstanceSeconds: number;
  /**
   * After requesting a scale-in, how long the request counts as in flight: the datapoint reaching its
   * alarm (a minute), the alarm's evaluation and the group's action. A step scaling policy responds to
   * every breach, even while an activity is in progress (Auto Scaling user guide, "Step and simple scaling
   * policies"), so asking again before the first lands would remove the instances twice.
   */
  readonly inFlightSeconds: number;
}

export const DEFAULT_SCALE_IN_GATE: Omit<ScaleInGateSettings, 'drainTimeoutSeconds'> = {
  drainMarginSeconds: 180,
  killCostWeight: 1,
  // An instance-hour per kill: about the frontier's price of a kill avoided between the 10- and 30-minute
  // timeouts on the generated diurnal traces (docs/scaling.md, "The scale-in gate").
  killPenaltyInstanceSeconds: 3600,
  inFlightSeconds: 150,
};

/** What the gate remembers between runs, per fleet. */
export interface ScaleInGateState {
  /** Surplus instance-seconds kept since the load first asked for this scale-in and the gate deferred it. */
  readonly deferredInstanceSeconds: number;
  /** When the gate last asked for a scale-in (epoch ms). */
  readonly lastRequestAtMs?: number;
}

export const INITIAL_GATE_STATE: ScaleInGateState = { deferredInstanceSeconds: 0 };

export type ScaleInGateRule =
  /** The load asks for no scale-in. */
  | 'none'
  /** A scale-in asked for is still reaching the group: asking again would double it. */
  | 'action-in-flight'
  /** Every query in flight is predicted to end within the drain, or survives a worker's loss: scale in now. */
  | 'drains-in-time'
  /** Each query runs on one worker, and the termination policy picks the least busy: scale in now. */
  | 'per-worker'
  /** Queries would be killed and the surplus kept so far is worth less than their work: wait. */
  | 'defer'
  /** The surplus kept while waiting has cost as much as the at-risk queries' work: scale in now. */
  | 'waited-its-worth';

export interface ScaleInGateDecision {
  readonly rule: ScaleInGateRule;
  /** Instances to remove now (0: none), at most MAX_SCALE_IN_STEP. */
  readonly request: number;
  /** Queries predicted to outlast a drain started now, and so be killed by it. */
  readonly queriesAtRisk: number;
  /** How long a drain started now is predicted to last: the longest predicted remaining time, at most the timeout. */
  readonly expectedWaitSeconds: number;
  /** The at-risk queries' work so far, weighted: what scaling in now throws away. */
  readonly valueAtRiskInstanceSeconds: number;
  /** Surplus kept so far while deferring, including this interval. */
  readonly deferredInstanceSeconds: number;
  readonly state: ScaleInGateState;
}

/**
 * The most one request removes: a step scaling policy has at most 20 step adjustments (Auto Scaling
 * quotas, "Step adjustments per scaling policy"), one per count removed.
 */
export const MAX_SCALE_IN_STEP = 20;

export interface ScaleInGateInput {
  /** Instances the load decision would remove now (capacity − needed when it chose scale-in; else 0). */
  readonly wanted: number;
  readonly placement: Placement;
  readonly running: readonly RunningQuery[];
  readonly nowMs: number;
  /** Seconds since the gate last ran (its cadence: 60). */
  readonly intervalSeconds: number;
}

export function decideScaleIn(input: ScaleInGateInput, state: ScaleInGateState, s: ScaleInGateSettings): ScaleInGateDecision {
  const horizon = Math.max(0, s.drainTimeoutSeconds - s.drainMarginSeconds);
  let atRisk = 0;
  let value = 0;
  let longest = 0;
  for (const q of input.running) {
    longest = Math.max(longest, q.remainingSeconds);
    if (q.survivesWorkerLoss || q.remainingSeconds <= horizon) continue;
    atRisk++;
    value += Math.max(0, q.workInstanceSeconds) * s.killCostWeight + s.killPenaltyInstanceSeconds;
  }
  const expectedWaitSeconds = Math.min(s.drainTimeoutSeconds, longest);
  const base = { queriesAtRisk: atRisk, expectedWaitSeconds, valueAtRiskInstanceSeconds: value };
  const wanted = Math.max(0, Math.floor(input.wanted));
  if (wanted === 0) return { ...base, rule: 'none', request: 0, deferredInstanceSeconds: 0, state: { ...state, deferredInstanceSeconds: 0 } };
  if (state.lastRequestAtMs !== undefined && input.nowMs - state.lastRequestAtMs < s.inFlightSeconds * 1000) {
    return { ...base, rule: 'action-in-flight', request: 0, deferredInstanceSeconds: 0, state: { ...state, deferredInstanceSeconds: 0 } };
  }
  const act = (rule: ScaleInGateRule, deferred: number): ScaleInGateDecision => ({
    ...base,
    rule,
    request: Math.min(MAX_SCALE_IN_STEP, wanted),
    deferredInstanceSeconds: deferred,
    state: { deferredInstanceSeconds: 0, lastRequestAtMs: input.nowMs },
  });
  if (input.placement === 'per-worker') return act('per-worker', 0);
  if (atRisk === 0) return act('drains-in-time', state.deferredInstanceSeconds);
  const deferred = state.deferredInstanceSeconds + wanted * Math.max(0, input.intervalSeconds);
  if (deferred >= value) return act('waited-its-worth', deferred);
  return { ...base, rule: 'defer', request: 0, deferredInstanceSeconds: deferred, state: { ...state, deferredInstanceSeconds: deferred } };
}

/**
 * The step scaling policy that carries the gate's requests (Auto Scaling user guide, "Step and simple
 * scaling policies"): an alarm on the Maximum of the fleet's ScaleInRequest over one minute, in ALARM at
 * 1 or more for 1 of 1 datapoints, missing data not breaching; the policy's step adjustments map a
 * request of n (the metric n above the threshold 1, in steps of 1) to ChangeInCapacity −n, up to
 * MAX_SCALE_IN_STEP. The CPU and ratio target tracking policies have DisableScaleIn set, so this is the
 * fleet's only way in; both still scale out.
 */
export const SCALE_IN_REQUEST = {
  periodSeconds: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 1,
  statistic: 'Maximum',
  adjustmentType: 'ChangeInCapacity',
} as const;

/** The capacity the step policy sets for a request datapoint (clamped to the group's minimum), or undefined when it does not act. */
export function scaleInStep(request: number | undefined, current: number, minCapacity: number): number | undefined {
  if (request === undefined || !(request >= SCALE_IN_REQUEST.threshold)) return undefined;
  const n = Math.min(MAX_SCALE_IN_STEP, Math.floor(request));
  const next = Math.max(minCapacity, current - n);
  return next < current ? next : undefined;
}
