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
 * sliding window: a ring of the newest `capacity` minutes. Readings arrive one a minute, oldest first, as
 * the agent publishes them; a minute with none reads as NaN (the detector's "missing", as null is).
 *
 * Each series is a Float64Array holding every minute at two slots (m and m + period) so that any window
 * of up to `capacity` minutes is one contiguous run of slots, and the `lead` slots past the newest minute
 * are kept empty (NaN). A window that ends at most `lead` minutes past the newest, with every held minute
 * visible, is then a view of the slots themselves, made once per start slot: reading it copies and
 * allocates nothing. A port that takes readings only once they are published (`follow` with
 * `visibleUntil`) and reads the window up to the minute in progress gets that view every minute.
 * Placing each of a worker's hour of readings was most of a large simulation's time (issue 37), then a
 * copy per metric per worker per minute, as arrays of boxed numbers and nulls, with garbage collection a
 * fifth of the run.
 */
export class PressureRing {
  /** The slots' period: the minutes held and the empty ones ahead of them. */
  private readonly period: number;
  /** Per series (PRESSURE_SERIES order): 2 × period slots. */
  private readonly slots: Float64Array[];
  /** Each slot's reading's stamp (seconds), NaN when the slot holds none. */
  private readonly stamps: Float64Array;
  /** The newest minute held (its stamp / 60). */
  private newest = -Infinity;
  /** The last reading taken from the history `follow` reads. */
  private last?: PressureReading;
  /** Windows of `viewMinutes` minutes, as views of the slots, by their first slot. */
  private views: (WorkerPressure | undefined)[] = [];
  private viewMinutes = 0;

  /**
   * @param capacity the minutes held
   * @param lead empty minutes kept past the newest, so a window reaching that far past it is still a view
   */
  constructor(
    readonly capacity: number,
    readonly lead = 0,
  ) {
    this.period = capacity + lead;
    this.slots = PRESSURE_SERIES.map(() => new Float64Array(2 * this.period).fill(Number.NaN));
    this.stamps = new Float64Array(this.period).fill(Number.NaN);
  }

  /**
   * Appends the readings of `history` (oldest first) newer than the last one taken from it, usually one,
   * and published by `visibleUntil` (seconds: a minute is published once it has ended, stamp + 60).
   */
  follow(history: readonly PressureReading[], visibleUntil = Infinity): void {
    let end = history.length;
    while (end > 0 && history[end - 1].t + 60 > visibleUntil) end--;
    let i = end;
    while (i > 0 && history[i - 1] !== this.last) i--;
    for (; i < end; i++) this.append(history[i]);
    if (end > 0) this.last = history[end - 1];
  }

  append(reading: PressureReading): void {
    const m = Math.round(reading.t / 60);
    if (m <= this.newest - this.capacity) return;
    // Minutes skipped since the newest read as missing; the slots ahead of the newest stay empty.
    for (let minute = Math.max(this.newest + 1, m - this.capacity + 1); minute <= m; minute++) {
      this.put(minute, minute === m ? reading : undefined);
      if (this.lead > 0) this.put(minute + this.lead, undefined);
    }
    if (m <= this.newest) this.put(m, reading);
    this.newest = Math.max(this.newest, m);
  }

  /**
   * The `minutes` one-minute readings from `first` (seconds, a minute's start), oldest first, as
   * GetMetricData returns them: NaN for a minute with no reading, not yet visible at `visibleUntil`
   * (a minute is published once it has ended: stamp + 60), or older than the ring holds.
   *
   * The window may be a view of the ring: read it before the ring takes its next reading (the straggler
   * function judges each minute's windows before the next minute's readings).
   */
  window(first: number, minutes: number, visibleUntil: number): WorkerPressure {
    const from = Math.round(first / 60);
    // The held minutes the window shows: from the older of its start and the ring's oldest, up to the newest visible.
    let to = this.newest;
    while (to > this.newest - this.capacity && this.stamps[this.slot(to)] + 60 > visibleUntil) to--;
    const lo = Math.max(from, this.newest - this.capacity + 1) - from;
    const hi = Math.min(to, from + minutes - 1) - from;
    if (minutes <= this.capacity && to === this.newest && lo === 0 && from + minutes - 1 <= this.newest + this.lead) return this.view(from, minutes);
    const out: Partial<Record<PressureSeries, Float64Array>> = {};
    PRESSURE_SERIES.forEach((k, j) => {
      const series = new Float64Array(minutes).fill(Number.NaN);
      for (let m = lo; m <= hi; m++) series[m] = this.slots[j][this.slot(from + m)];
      out[k] = series;
    });
    return out;
  }

  /** The slots of `minutes` minutes from `from`, as views made once per first slot. */
  private view(from: number, minutes: number): WorkerPressure {
    if (minutes !== this.viewMinutes) {
      this.views = [];
      this.viewMinutes = minutes;
    }
    const s = this.slot(from);
    return (this.views[s] ??= Object.fromEntries(PRESSURE_SERIES.map((k, j) => [k, this.slots[j].subarray(s, s + minutes)])));
  }

  private slot(minute: number): number {
    return ((minute % this.period) + this.period) % this.period;
  }

  private put(minute: number, reading: PressureReading | undefined): void {
    const s = this.slot(minute);
    this.stamps[s] = reading ? reading.t : Number.NaN;
    for (let j = 0; j < PRESSURE_SERIES.length; j++) {
      const k = PRESSURE_SERIES[j];
      const v = reading ? (k === 'load' ? reading.runningTasks : reading.values[k]) : Number.NaN;
      this.slots[j][s] = v;
      this.slots[j][s + this.period] = v;
    }
  }
}
