/**
 * The straggler function's window of per-minute pressure metrics, as CloudWatch would hold them for one
 * instance, in the simulator.
 */
import { PRESSURE_RESOURCES, PressureResource, WorkerPressure } from '../core/stragglers';

/** One instance's pressure readings for a minute, stamped at the minute's start (seconds). */
export interface PressureReading {
  readonly t: number;
  readonly values: Readonly<Record<PressureResource, number>>;
  /** The agent's RunningTasks averaged over the minute: the load the detector weighs pressure against. */
  readonly runningTasks: number;
}

type PressureSeries = PressureResource | 'load';
const PRESSURE_SERIES: readonly PressureSeries[] = [...PRESSURE_RESOURCES, 'load'];

/**
 * One instance's per-minute pressure metrics as CloudWatch holds them, for the straggler function's
 * sliding window. A ring of the newest `capacity` minutes, each reading written at two slots (m and
 * m + capacity) so that any window of up to `capacity` minutes is one contiguous slice: reading a worker's
 * window each minute costs a copy per metric, where placing each of its hour of readings was most of a
 * large simulation's time (issue 37). Readings arrive one a minute, oldest first, as the agent publishes
 * them; a minute with none reads as null.
 */
export class PressureRing {
  private readonly slots: Record<PressureSeries, (number | null)[]>;
  /** Each slot's reading's stamp (seconds), NaN when the slot holds none. */
  private readonly stamps: Float64Array;
  /** The newest minute held (its stamp / 60). */
  private newest = -Infinity;
  /** The last reading taken from the history `follow` reads. */
  private last?: PressureReading;

  constructor(readonly capacity: number) {
    this.slots = Object.fromEntries(PRESSURE_SERIES.map((k) => [k, new Array<number | null>(2 * capacity).fill(null)])) as Record<PressureSeries, (number | null)[]>;
    this.stamps = new Float64Array(capacity).fill(Number.NaN);
  }

  /** Appends the readings of `history` (oldest first) newer than the last one taken from it: usually one. */
  follow(history: readonly PressureReading[]): void {
    let i = history.length;
    while (i > 0 && history[i - 1] !== this.last) i--;
    for (; i < history.length; i++) this.append(history[i]);
    if (history.length > 0) this.last = history.at(-1);
  }

  append(reading: PressureReading): void {
    const m = Math.round(reading.t / 60);
    if (m <= this.newest - this.capacity) return;
    // Minutes skipped since the newest read as missing.
    for (let skipped = Math.max(this.newest + 1, m - this.capacity + 1); skipped < m; skipped++) this.put(skipped, undefined);
    this.newest = Math.max(this.newest, m);
    this.put(m, reading);
  }

  /**
   * The `minutes` one-minute readings from `first` (seconds, a minute's start), oldest first, as
   * GetMetricData returns them: null for a minute with no reading, not yet visible at `visibleUntil`
   * (a minute is published once it has ended: stamp + 60), or older than the ring holds.
   */
  window(first: number, minutes: number, visibleUntil: number): WorkerPressure {
    const from = Math.round(first / 60);
    // The held minutes the window shows: from the older of its start and the ring's oldest, up to the newest visible.
    let to = this.newest;
    while (to > this.newest - this.capacity && this.stamps[this.slot(to)] + 60 > visibleUntil) to--;
    const lo = Math.max(from, this.newest - this.capacity + 1) - from;
    const hi = Math.min(to, from + minutes - 1) - from;
    const out: Partial<Record<PressureSeries, (number | null)[]>> = {};
    for (const k of PRESSURE_SERIES) {
      let series: (number | null)[];
      if (lo > hi) series = new Array<number | null>(minutes).fill(null);
      else if (minutes <= this.capacity) {
        const s = this.slot(from);
        series = this.slots[k].slice(s, s + minutes).fill(null, 0, lo).fill(null, hi + 1);
      } else {
        series = new Array<number | null>(minutes).fill(null);
        for (let j = lo; j <= hi; j++) series[j] = this.slots[k][this.slot(from + j)];
      }
      out[k] = series;
    }
    return out;
  }

  private slot(minute: number): number {
    return ((minute % this.capacity) + this.capacity) % this.capacity;
  }

  private put(minute: number, reading: PressureReading | undefined): void {
    const s = this.slot(minute);
    this.stamps[s] = reading ? reading.t : Number.NaN;
    for (const k of PRESSURE_SERIES) {
      const v = reading ? (k === 'load' ? reading.runningTasks : reading.values[k]) : null;
      this.slots[k][s] = v;
      this.slots[k][s + this.capacity] = v;
    }
  }
}
