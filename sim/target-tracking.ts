/**
 * Target tracking as Amazon EC2 Auto Scaling does it, for the simulator. The policy's two managed alarms
 * watch 1-minute datapoints of the group's average metric: the high alarm after `scaleOutPeriods`
 * consecutive datapoints above the target, the low alarm after `scaleInPeriods` below
 * `target × scaleInThresholdRatio`. Capacity changes in proportion: ceil(current × metric / target), which
 * rounds scale-out up and scale-in conservatively ("adding 1.5 instances ... we round up and add two;
 * removing 1.5 instances ... we remove just one": Auto Scaling user guide, "Target tracking scaling
 * policies"). The period counts (3 and 15) and the 0.9 low threshold are what AWS creates in practice,
 * not documented values, hence parameters.
 */

export interface TargetTrackingParams {
  readonly target: number;
  readonly scaleOutPeriods: number;
  readonly scaleInPeriods: number;
  readonly scaleInThresholdRatio: number;
}

export const DEFAULT_TARGET_TRACKING: Omit<TargetTrackingParams, 'target'> = { scaleOutPeriods: 3, scaleInPeriods: 15, scaleInThresholdRatio: 0.9 };

/** Proportional new capacity, clamped to [min, max]. */
export function proportionalCapacity(current: number, metric: number, target: number, min: number, max: number): number {
  // Guard float noise (e.g. 10 × 50/40 = 12.500000000000002) so ceil does not add an instance too many.
  const raw = Math.round(((current * metric) / target) * 1e9) / 1e9;
  return Math.min(max, Math.max(min, Math.ceil(raw)));
}

/** The alarm state across minutes. */
export class TargetTracker {
  private high = 0;
  private low = 0;

  constructor(private readonly p: TargetTrackingParams) {}

  /**
   * Feeds one 1-minute datapoint (undefined: no data, which breaks both streaks as INSUFFICIENT_DATA does)
   * and returns the new desired capacity, or undefined when the policy does not act.
   */
  observe(metric: number | undefined, current: number, min: number, max: number, warming: boolean): number | undefined {
    if (metric === undefined) {
      this.high = 0;
      this.low = 0;
      return undefined;
    }
    this.high = metric > this.p.target ? this.high + 1 : 0;
    this.low = metric < this.p.target * this.p.scaleInThresholdRatio ? this.low + 1 : 0;
    if (this.high >= this.p.scaleOutPeriods) {
      const desired = proportionalCapacity(current, metric, this.p.target, min, max);
      if (desired > current) {
        this.high = 0;
        return desired;
      }
    }
    // Scale-in waits while instances warm up: their load is not in the metric yet.
    if (this.low >= this.p.scaleInPeriods && !warming) {
      const desired = proportionalCapacity(current, metric, this.p.target, min, max);
      if (desired < current) {
        this.low = 0;
        return desired;
      }
    }
    return undefined;
  }
}
