/**
 * Target tracking as Amazon EC2 Auto Scaling does it, for the simulator. The policy's two managed alarms
 * watch 1-minute datapoints of the group's average metric: the high alarm after `scaleOutPeriods`
 * consecutive datapoints above the target, the low alarm after `scaleInPeriods` below
 * `target × scaleInThresholdRatio`. Capacity changes in proportion: ceil(current × metric / target), which
 * rounds scale-out up and scale-in conservatively ("adding 1.5 instances ... we round up and add two;
 * removing 1.5 instances ... we remove just one": Auto Scaling user guide, "Target tracking scaling
 * policies"). The period counts (3 and 15) and the 0.9 low threshold are what AWS creates in practice,
 * not documented values, hence parameters.
 *
 * A scale-out multiplies the warm instances only. Instances still in their warmup are already in the
 * desired capacity but not in the current capacity the step is computed from (user guide, "Step and
 * simple scaling policies": current capacity is the instances "that have passed their warmup"), so
 * alarm breaches during a warmup make one scale-out, not a chain: "continuously (but not excessively)"
 * ("Set the default instance warmup"). A proposal counts only when it exceeds the desired capacity.
 */

export interface TargetTrackingParams {
  readonly target: number;
  readonly scaleOutPeriods: number;
  readonly scaleInPeriods: number;
  readonly scaleInThresholdRatio: number;
  /** The policy's DisableScaleIn: it scales out only, and has no say in scale-in. */
  readonly disableScaleIn?: boolean;
}

export const DEFAULT_TARGET_TRACKING: Omit<TargetTrackingParams, 'target'> = { scaleOutPeriods: 3, scaleInPeriods: 15, scaleInThresholdRatio: 0.9 };

/** Proportional new capacity, clamped to [min, max]. */
export function proportionalCapacity(current: number, metric: number, target: number, min: number, max: number): number {
  // Guard float noise (e.g. 10 × 50/40 = 12.500000000000002) so ceil does not add an instance too many.
  const raw = Math.round(((current * metric) / target) * 1e9) / 1e9;
  return Math.min(max, Math.max(min, Math.ceil(raw)));
}

/** What one policy's alarms ask for after a datapoint: a new capacity out, or in, or nothing. */
export interface TrackerProposal {
  readonly scaleOut?: number;
  readonly scaleIn?: number;
}

/** The alarm state across minutes. */
export class TargetTracker {
  private high = 0;
  private low = 0;

  constructor(private readonly p: TargetTrackingParams) {}

  /**
   * Feeds one 1-minute datapoint (undefined: no data, which breaks both streaks as INSUFFICIENT_DATA does)
   * and says what the policy's alarms ask for, without acting: with several policies Auto Scaling decides
   * which acts (`combineProposals`). An alarm with an Auto Scaling action invokes it every minute it stays
   * in ALARM (CloudWatch user guide, "Alarm actions": "Except for Auto Scaling actions, the actions happen
   * only on state transitions"), and acting does not clear the datapoints the alarm evaluates: a streak
   * ends only when a datapoint is back on the other side of its threshold, so a scale-in still clearly
   * below the target a minute later scales in again. `current` is
   * the desired capacity (in service and launching); `warm`, those of them past their warmup, the base a
   * scale-out multiplies (all of them when none warms).
   */
  assess(metric: number | undefined, current: number, min: number, max: number, warm: number = current): TrackerProposal {
    if (metric === undefined) {
      this.high = 0;
      this.low = 0;
      return {};
    }
    this.high = metric > this.p.target ? this.high + 1 : 0;
    this.low = metric < this.p.target * this.p.scaleInThresholdRatio ? this.low + 1 : 0;
    const proposal: { scaleOut?: number; scaleIn?: number } = {};
    if (this.high >= this.p.scaleOutPeriods) {
      const desired = proportionalCapacity(warm, metric, this.p.target, min, max);
      if (desired > current) proposal.scaleOut = desired;
    }
    if (this.low >= this.p.scaleInPeriods && !this.p.disableScaleIn) {
      const desired = proportionalCapacity(current, metric, this.p.target, min, max);
      if (desired < current) proposal.scaleIn = desired;
    }
    return proposal;
  }

  /** One policy alone: the new desired capacity, or undefined when it does not act. */
  observe(metric: number | undefined, current: number, min: number, max: number, warming: boolean): number | undefined {
    const decided = combineProposals([{ proposal: this.assess(metric, current, min, max) }], warming);
    return decided?.desired;
  }
}

/**
 * Several target tracking policies on one group, as Auto Scaling combines them (user guide, "Multiple
 * dynamic scaling policies"): it scales out if any policy asks, to the largest capacity asked; it scales
 * in only when every policy with scale-in enabled asks, and then to the largest capacity asked, the
 * smallest change. Scale-in waits while instances warm up: their load is not in the metrics yet.
 */
export function combineProposals(
  policies: readonly { readonly proposal: TrackerProposal; readonly scaleInDisabled?: boolean }[],
  warming: boolean,
): { desired: number; direction: 'out' | 'in' } | undefined {
  const outs = policies.filter((p) => p.proposal.scaleOut !== undefined);
  if (outs.length > 0) {
    const desired = Math.max(...outs.map((p) => p.proposal.scaleOut!));
    return { desired, direction: 'out' };
  }
  const voters = policies.filter((p) => !p.scaleInDisabled);
  if (warming || voters.length === 0 || voters.some((p) => p.proposal.scaleIn === undefined)) return undefined;
  const desired = Math.max(...voters.map((p) => p.proposal.scaleIn!));
  return { desired, direction: 'in' };
}

/**
 * A step scaling policy on its CloudWatch alarm, as Amazon EC2 Auto Scaling runs it (user guide, "Step and
 * simple scaling policies"). The alarm evaluates one datapoint a period against its threshold
 * (`datapointsToAlarm` of the last `evaluationPeriods`, here both 1 by default); missing data is not
 * breaching. While the alarm is in ALARM, CloudWatch invokes the policy again every period ("Except for
 * Auto Scaling actions, the actions happen only on state transitions": CloudWatch user guide, "Alarm
 * actions"). Each invocation computes the new capacity from the current capacity, which "while scaling
 * out" does not count "instances that are warming up" ("Instance warm-up"), so invocations during a
 * warmup "result in a single scaling activity": a result at or under the desired capacity changes nothing.
 * ChangeInCapacity adds to that current capacity; ExactCapacity sets it. Clamped to [min, max]. A step
 * policy has no cooldown.
 */
export interface StepScalingParams {
  /** The alarm's threshold: breaching at or above it (GreaterThanOrEqualToThreshold). */
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly adjustmentType: 'ChangeInCapacity' | 'ExactCapacity';
  /** The one step adjustment, for any breach (MetricIntervalLowerBound 0, no upper bound). */
  readonly adjustment: number;
}

export class StepScaler {
  private readonly window: boolean[] = [];
  /** The alarm's state after the last datapoint. */
  inAlarm = false;

  constructor(private readonly p: StepScalingParams) {}

  /**
   * Feeds the newest datapoint of the period (undefined: missing, treated as not breaching) and says the
   * desired capacity the policy sets, or undefined when it does not act. `warm` is the current capacity
   * as a scale-out counts it (in service and past warmup); `desired`, the group's desired capacity.
   */
  observe(metric: number | undefined, warm: number, desired: number, min: number, max: number): number | undefined {
    this.window.push(metric !== undefined && metric >= this.p.threshold);
    if (this.window.length > this.p.evaluationPeriods) this.window.shift();
    this.inAlarm = this.window.filter(Boolean).length >= this.p.datapointsToAlarm;
    if (!this.inAlarm) return undefined;
    const raw = this.p.adjustmentType === 'ExactCapacity' ? this.p.adjustment : warm + this.p.adjustment;
    const next = Math.min(max, Math.max(min, raw));
    return next > desired ? next : undefined;
  }
}
