/**
 * The simulated workers' resource pressure, as the agent would publish it each minute (docs/stragglers.md).
 * A synthetic model, stated here so it can be argued with:
 * - a healthy worker's pressure grows with how busy it is, differs a little from peer to peer (data skew),
 *   and carries noise;
 * - any busy worker now and then has a transient bottleneck (a heavy scan, a spill, a neighbour's burst)
 *   on one resource, lasting minutes with a long tail (log-normal): the detector must not take those for
 *   stragglers;
 * - a degraded worker runs its tasks 2× slower, so its tasks stall half of their run time on the
 *   resource that is short: steal for a degraded host or noisy neighbour, I/O for a failing or throttled
 *   disk. Its pressure there rises by 50 points times its busy share. Idle, it shows nothing (Lube finds
 *   bottlenecks at run time).
 * A network-throttled worker would show on none of these signals; the model has none.
 */
import { PRESSURE_RESOURCES } from '../core/stragglers';
import { Rng } from './rng';

/** Why a degraded worker is slow, and where it shows. */
export type DegradationCause = 'cpuSteal' | 'ioPressure';
export const DEGRADATION_CAUSES: readonly DegradationCause[] = ['cpuSteal', 'ioPressure'];

/** How much slower a degraded worker runs its tasks (issue #14: 2×). */
export const DEGRADED_SLOWDOWN = 2;

export interface PressureModel {
  /** Transient bottlenecks started per busy worker-hour. */
  readonly spikesPerBusyHour: number;
  /** A spike's size at full load, in percentage points, drawn uniformly from this range. */
  readonly spikePoints: readonly [number, number];
  /** A spike's median length in minutes (log-normal, σ 0.9). */
  readonly spikeMedianMinutes: number;
}

export const DEFAULT_PRESSURE_MODEL: PressureModel = { spikesPerBusyHour: 0.5, spikePoints: [20, 70], spikeMedianMinutes: 2 };

const STEAL = PRESSURE_RESOURCES.indexOf('cpuSteal');
const CPU = PRESSURE_RESOURCES.indexOf('cpuPressure');
const MEMORY = PRESSURE_RESOURCES.indexOf('memoryPressure');
const IO = PRESSURE_RESOURCES.indexOf('ioPressure');
const DISK = PRESSURE_RESOURCES.indexOf('diskBusy');

/** One worker's pressure state: its fixed skew, its transient spike, and (when degraded) its cause. */
export class WorkerPressureState {
  /** Per resource, in PRESSURE_RESOURCES order. */
  private readonly skew: Float64Array;
  /** The spike's resource (an index in PRESSURE_RESOURCES), size and end. */
  private spike?: { resource: number; points: number; until: number };
  private readonly causeAt: number;

  constructor(
    private readonly rng: Rng,
    private readonly model: PressureModel,
    readonly cause?: DegradationCause,
  ) {
    this.skew = Float64Array.from(PRESSURE_RESOURCES, () => 0.7 + 0.6 * rng.next());
    this.causeAt = cause ? PRESSURE_RESOURCES.indexOf(cause) : -1;
  }

  /**
   * The minute's readings ending at `t` (seconds), given the worker's busy share over it (0..1) and
   * whether it was degraded in that minute, written to `v` in PRESSURE_RESOURCES order: an array the
   * caller keeps, not an object per worker-minute.
   */
  sampleInto(v: Float64Array, t: number, load: number, degraded: boolean): void {
    const r = this.rng;
    if (this.spike && t >= this.spike.until) this.spike = undefined;
    if (!this.spike && load > 0.05 && r.next() < this.model.spikesPerBusyHour / 60) {
      const [lo, hi] = this.model.spikePoints;
      // Log-normal like the task phases behind them (median 2 minutes, σ 0.9): most end within
      // minutes, about 1 in 80 lasts past a quarter of an hour and 1 in 800 past half an hour.
      const minutes = Math.min(180, Math.ceil(r.lognormal(this.model.spikeMedianMinutes, 0.9)));
      this.spike = { resource: r.int(PRESSURE_RESOURCES.length), points: lo + (hi - lo) * r.next(), until: t + minutes * 60 };
    }
    // The noise is drawn in this order.
    const skew = this.skew;
    v[STEAL] = (0.3 + Math.abs(0.5 * r.normal())) * skew[STEAL];
    v[CPU] = (20 * load * load + Math.abs(2 * r.normal())) * skew[CPU];
    v[MEMORY] = (1 * load + Math.abs(0.5 * r.normal())) * skew[MEMORY];
    v[IO] = (10 * load + Math.abs(3 * r.normal())) * skew[IO];
    v[DISK] = (35 * load + Math.abs(5 * r.normal())) * skew[DISK];
    if (this.spike) v[this.spike.resource] += this.spike.points * Math.max(load, 0.3);
    if (degraded && this.causeAt >= 0) {
      // Tasks 2× slower stall (1 − 1/2) of their run time on the short resource.
      const stall = 100 * (1 - 1 / DEGRADED_SLOWDOWN) * load;
      v[this.causeAt] += stall;
      if (this.causeAt === IO) v[DISK] += 0.8 * stall;
    }
    for (let k = 0; k < v.length; k++) v[k] = Math.min(100, Math.max(0, v[k]));
  }
}
